package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's --help renders cleanly. picocli formats descriptions with String.format, so a lone '%' (as in
 * "10% lower" or a pgbench "% 100") makes it print a warning on the process's stderr and show the raw text: the
 * warning bypasses the command's own writers, so this test watches System.err.
 */
class HelpTextTest {

    @Test
    void everyCommandsHelp_rendersWithoutPicocliWarnings() {
        List<CommandLine> all = new ArrayList<>();
        collect(Main.commandLine(), all);
        assertThat(all).hasSizeGreaterThan(30);
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> problems = new ArrayList<>();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            for (CommandLine c : all) {
                err.reset();
                String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
                String warned = err.toString(StandardCharsets.UTF_8);
                if (!warned.isEmpty() || usage.contains("%n")) {
                    problems.add(c.getCommandSpec().qualifiedName() + ": " + warned.strip());
                }
            }
        } finally {
            System.setErr(original);
        }
        assertThat(problems).isEmpty();
    }

    private static void collect(CommandLine c, List<CommandLine> into) {
        into.add(c);
        c.getSubcommands().values().stream().distinct().forEach(s -> collect(s, into));
    }
}
