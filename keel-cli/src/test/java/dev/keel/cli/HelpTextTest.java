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

    /**
     * Descriptions read as paragraphs at 80 columns: no line ends mid-sentence well short of the width (as each
     * ~100-column source line, wrapped again, used to), and no indented example line is wider than the width.
     */
    @Test
    void everyCommandsDescription_wrapsIntoParagraphsAt80Columns() {
        List<CommandLine> all = new ArrayList<>();
        collect(Main.commandLine(), all);
        List<String> problems = new ArrayList<>();
        for (CommandLine c : all) {
            c.setUsageHelpWidth(80);
            c.setUsageHelpAutoWidth(false);
            String name = c.getCommandSpec().qualifiedName();
            for (String line : c.getCommandSpec().usageMessage().description()) {
                String shown = line.replace("%%", "%");
                if (!shown.isEmpty() && Character.isWhitespace(shown.charAt(0)) && shown.length() > 80) {
                    problems.add(name + ": example line wider than 80 columns: " + shown.strip());
                }
            }
            String[] lines = c.getHelp().description().split("\\R");
            for (int i = 0; i + 1 < lines.length; i++) {
                String line = lines[i];
                String next = lines[i + 1];
                boolean prose = !line.isBlank() && !Character.isWhitespace(line.charAt(0));
                boolean continues = !next.isBlank() && !Character.isWhitespace(next.charAt(0));
                if (prose && continues && line.length() < 55 && !line.strip().matches(".*[.:;)]$")) {
                    problems.add(name + ": ragged line '" + line + "' before '" + next + "'");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void reflow_joinsSourceLines_butKeepsExamplesExitCodesAndOptionItemsApart() {
        assertThat(Main.reflow("Runs pgbench with N clients (its tables are", "created at --scale).", "",
                "Workload file:", "  -- weight: 8     how often", "A file without headers.", "Prints runs.",
                "--runs N stops after N runs;", "--json prints a line.", "Exit codes: 0 done."))
                .containsExactly("Runs pgbench with N clients (its tables are created at --scale).", "",
                        "Workload file:", "  -- weight: 8     how often", "A file without headers. Prints runs.",
                        "--runs N stops after N runs; --json prints a line.", "Exit codes: 0 done.");
    }

    private static void collect(CommandLine c, List<CommandLine> into) {
        into.add(c);
        c.getSubcommands().values().stream().distinct().forEach(s -> collect(s, into));
    }
}
