package dev.keel.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code keel insight}: a placeholder parent for the history subcommands on this branch; the insight report
 * command replaces it and keeps {@link InsightHistoryCommands.Snapshot} and {@link InsightHistoryCommands.History}.
 */
@Command(name = "insight", header = "Performance insight: statement and size history.",
        mixinStandardHelpOptions = true,
        subcommands = {InsightHistoryCommands.Snapshot.class, InsightHistoryCommands.History.class})
final class InsightCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Without a subcommand: the usage on stderr, exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return dev.keel.core.KeelException.USAGE;
    }
}
