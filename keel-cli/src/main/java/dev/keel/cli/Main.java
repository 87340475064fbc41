package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.connect.Secrets;
import dev.keel.embedded.EmbeddedException;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * The keel executable: builds the command tree and turns every failure into one line on stderr and the
 * exit code of DESIGN.md (0 ok, 1 findings, 2 bad usage or configuration, 3 runtime failure).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code; used by the tests as well. */
    public static int run(String... args) {
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        if (debug) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        }
        CommandLine cmd = commandLine(args);
        return cmd.execute(args);
    }

    /** Runs one command line with its output captured, for tests and embedding. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cmd = commandLine(args);
        cmd.setOut(out);
        cmd.setErr(err);
        try {
            return cmd.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The whole command tree. */
    static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command tree for {@code args}: when they name a command, only that command's branch (the rest is never
     * used, and building every command's model is about half of a short command's start-up); otherwise (help,
     * completion, a typo that needs suggestions, no command at all) every command.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cmd = new CommandLine(new KeelCommand());
        Class<?> named = namedCommand(args);
        for (Class<?> c : KeelCommand.COMMANDS) {
            if (named == null || c == named) {
                cmd.addSubcommand(c);
            }
        }
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        reflowDescriptions(cmd);
        // keel db psql -c 'select 1': psql's own options go through to psql, in order
        if (cmd.getSubcommands().containsKey("db")) {
            cmd.getSubcommands().get("db").getSubcommands().get("psql").setUnmatchedOptionsArePositionalParams(true);
        }
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean debug = parseResult.hasMatchedOption("--debug")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--debug"))
                    || deepDebug(parseResult);
            return report(ex, commandLine.getErr(), debug);
        });
        cmd.setParameterExceptionHandler((ex, rest) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter err = c.getErr();
            err.println("keel: " + Secrets.mask(ex.getMessage()));
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
                err.println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            }
            err.flush();
            return KeelException.USAGE;
        });
        return cmd;
    }

    /**
     * Joins the lines of every command's description into paragraphs. The sources wrap descriptions at about 100
     * columns; picocli prints each line of the array as a line of its own and wraps it again at the usage width
     * (80 columns, or the terminal's), which left a short ragged line after every long one. A new paragraph starts
     * after a blank or indented line (indented lines, such as examples, are kept as they are), at a line starting
     * with "Exit", and at a line starting with an option ("--") after a full stop.
     */
    static void reflowDescriptions(CommandLine c) {
        CommandLine.Model.UsageMessageSpec usage = c.getCommandSpec().usageMessage();
        usage.description(reflow(usage.description()));
        c.getSubcommands().values().stream().distinct().forEach(Main::reflowDescriptions);
    }

    static String[] reflow(String... lines) {
        java.util.List<String> out = new java.util.ArrayList<>();
        StringBuilder paragraph = null;
        for (String line : lines) {
            boolean prose = !line.isBlank() && !Character.isWhitespace(line.charAt(0));
            boolean starts = line.startsWith("Exit")
                    || line.startsWith("--") && paragraph != null && paragraph.toString().strip().endsWith(".");
            if (prose && paragraph != null && !starts) {
                paragraph.append(' ').append(line.strip());
                continue;
            }
            if (paragraph != null) {
                out.add(paragraph.toString());
                paragraph = null;
            }
            if (prose) {
                paragraph = new StringBuilder(line.stripTrailing());
            } else {
                out.add(line);
            }
        }
        if (paragraph != null) {
            out.add(paragraph.toString());
        }
        return out.toArray(String[]::new);
    }

    /** The names of the root options that take a value (their value is never a command name), read from KeelCommand. */
    private static final java.util.Set<String> ROOT_OPTIONS_WITH_VALUE = java.util.Arrays.stream(
                    KeelCommand.class.getDeclaredFields())
            .filter(f -> f.getType() != boolean.class && f.isAnnotationPresent(CommandLine.Option.class))
            .flatMap(f -> java.util.Arrays.stream(f.getAnnotation(CommandLine.Option.class).names()))
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    /**
     * The command {@code args} name, or null for anything that needs the whole tree: no command, an unknown one,
     * {@code help} and {@code completion} (they list every command).
     */
    static Class<?> namedCommand(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (ROOT_OPTIONS_WITH_VALUE.contains(a)) {
                i++; // its value
                continue;
            }
            if (a.startsWith("-")) {
                continue;
            }
            for (Class<?> c : KeelCommand.COMMANDS) {
                CommandLine.Command command = c.getAnnotation(CommandLine.Command.class);
                if (command != null && (command.name().equals(a) || java.util.Arrays.asList(command.aliases()).contains(a))) {
                    return a.equals("help") || a.equals("completion") ? null : c;
                }
            }
            return null;
        }
        return null;
    }

    private static boolean deepDebug(CommandLine.ParseResult pr) {
        for (CommandLine.ParseResult p = pr; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    static int report(Exception ex, PrintWriter err, boolean debug) {
        int code;
        String message;
        String remedy = null;
        if (ex instanceof KeelException k) {
            code = k.exitCode();
            message = k.getMessage();
            remedy = k.remedy().orElse(null);
        } else if (ex instanceof EmbeddedException e) {
            code = KeelException.RUNTIME;
            message = e.getMessage();
            remedy = e.remedy();
        } else {
            code = KeelException.RUNTIME;
            message = "unexpected " + ex.getClass().getSimpleName() + ": " + ex.getMessage()
                    + (debug ? "" : " (run with --debug for the stack trace)");
        }
        String line = "keel: " + message + (remedy == null ? "" : " — " + remedy);
        err.println(Secrets.mask(line.replace('\n', ' ')));
        if (debug) {
            StringWriter trace = new StringWriter();
            ex.printStackTrace(new PrintWriter(trace));
            err.print(Secrets.mask(trace.toString()));
        }
        err.flush();
        return code;
    }
}
