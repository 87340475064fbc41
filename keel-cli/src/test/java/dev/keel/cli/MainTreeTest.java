package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The command tree Main builds: only the named command's branch, or every command when none is named. */
class MainTreeTest {

    @Test
    void namedCommand_skipsOptionsAndTheirValues_andNeedsTheWholeTreeForHelpAndTypos() {
        assertThat(Main.namedCommand("restore", "--to", "x")).isEqualTo(BackupCommands.Restore.class);
        assertThat(Main.namedCommand("--project", "backup", "--json", "inspect")).isEqualTo(InspectCommand.class);
        assertThat(Main.namedCommand("--target=prod", "backup", "list")).isEqualTo(BackupCommands.Backup.class);
        assertThat(Main.namedCommand("--url", "check", "restore")).isEqualTo(BackupCommands.Restore.class);
        assertThat(Main.namedCommand("--json", "check")).isEqualTo(CheckCommand.class); // a flag takes no value
        assertThat(Main.namedCommand("help", "restore")).isNull();
        assertThat(Main.namedCommand("completion")).isNull();
        assertThat(Main.namedCommand("restor")).isNull();
        assertThat(Main.namedCommand("--version")).isNull();
        assertThat(Main.namedCommand()).isNull();
    }

    @Test
    void commandLine_buildsOnlyTheNamedBranch_orEveryCommand() {
        assertThat(Main.commandLine("backup", "list").getSubcommands()).containsOnlyKeys("backup");
        assertThat(Main.commandLine("backup", "list").getSubcommands().get("backup").getSubcommands())
                .containsKeys("full", "list", "verify");
        assertThat(Main.commandLine("bogus").getSubcommands()).hasSize(KeelCommand.COMMANDS.size());
        assertThat(Main.commandLine().getSubcommands()).hasSize(KeelCommand.COMMANDS.size());
    }

    @Test
    void run_aTypo_stillSuggestsTheCommand_andGlobalOptionsStillReachTheBranch() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int typo = Main.run(new PrintWriter(out), new PrintWriter(err), "restor");
        assertThat(typo).isEqualTo(2);
        assertThat(err.toString()).contains("restore");

        StringWriter out2 = new StringWriter();
        int help = Main.run(new PrintWriter(out2), new PrintWriter(new StringWriter()), "--project", "nowhere.yaml",
                "restore", "--help");
        assertThat(help).isZero();
        assertThat(out2.toString()).contains("Usage: keel restore").contains("--project");
    }
}
