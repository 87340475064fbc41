package dev.keel.cli;

import dev.keel.core.KeelException;
import dev.keel.core.connect.Secrets;
import dev.keel.core.project.Project;
import dev.keel.core.project.Target;
import dev.keel.server.KeelServer;
import dev.keel.server.ServerAction;
import dev.keel.server.ServerOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel serve}: the dashboard, JSON API, /metrics and /health for the target, until Ctrl-C. */
@Command(name = "serve", header = "Serve the dashboard, the JSON API, /metrics and /health for the target.",
        mixinStandardHelpOptions = true,
        description = {"Listens on 127.0.0.1:7432 unless --bind/--port or keel.yaml's server.bind/server.port say otherwise.",
            "Every endpoint but /health/live and /health/ready needs the bearer token: created on the first start in",
            ".keel/server-token (mode 0600) and printed once then; later starts print only the URL and the file.",
            "Send it as 'Authorization: Bearer TOKEN', or sign in in a browser (the login form, or URL?token=TOKEN once).",
            "HTTPS: keel.yaml server.tls.keystore and server.tls.password-env. Jobs: server.jobs.snapshot/verify/check.",
            "POST /api/actions/backup|verify|snapshot|check need --allow-actions. Ctrl-C stops the server.",
            "Exit codes: 2 bad configuration, 3 cannot listen (e.g. the port is in use); Ctrl-C ends it as it ends any",
            "program (the JVM exits 130 after the server stopped), SIGTERM with 143."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "P", description = "TCP port (default: server.port, else 7432; 0: any free port)")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDR", description = "address to listen on (default: server.bind, else 127.0.0.1)")
    String bind;

    @Option(names = "--allow-actions", description = "let POST /api/actions/* start a backup, a verification, a snapshot or keel check")
    boolean allowActions;

    @Override
    public Integer call() {
        Cli cli = new Cli(spec);
        Project project = cli.project();
        Target target = cli.target();
        ServerOptions options = ServerOptions.from(project, System.getenv());
        try {
            if (port != null) {
                options = options.withPort(port);
            }
        } catch (IllegalArgumentException e) {
            throw new KeelException("--port: " + e.getMessage(), null, KeelException.USAGE, e);
        }
        if (bind != null) {
            options = options.withBind(bind);
        }
        KeelCommand root = (KeelCommand) spec.root().userObject();
        // backup and verify run exactly as their commands do, in this process, and answer with their --json document
        options = options.withAllowActions(allowActions)
                .withAction("backup", inProcess(root, "backup", "full"))
                .withAction("verify", inProcess(root, "backup", "verify"));
        KeelServer server = KeelServer.start(options, project, target);
        announce(cli, server);
        untilStopped(server);
        return 0;
    }

    /**
     * Blocks until Ctrl-C (a shutdown hook closes the server) or an interrupt (embedding, tests: the server is closed
     * as Ctrl-C would, and the interrupt passed on).
     */
    static void untilStopped(KeelServer server) {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "keel-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean interrupted = false;
        try {
            stopped.await();
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (stopped.getCount() > 0) {
            Runtime.getRuntime().removeShutdownHook(hook);
            server.close();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The URL always; the token only on the start that created it (it is never printed again, nor logged). */
    private void announce(Cli cli, KeelServer server) {
        var token = server.token();
        if (cli.json()) {
            cli.printJson(Cli.ordered("url", server.url(), "port", server.port(), "tokenFile", token.file().toString(),
                    "token", token.created() ? token.value() : null, "allowActions", server.options().allowActions()));
        } else {
            PrintWriter out = cli.out();
            out.println("keel serve: " + server.url() + " serving " + cli.target().describe()
                    + (server.options().allowActions() ? ", actions allowed" : ""));
            if (token.created()) {
                out.println("Token (shown this once; kept in " + token.file() + "): " + token.value());
                out.println("Open in a browser: " + server.url() + "?token=" + token.value());
            } else {
                out.println("Token: in " + token.file());
            }
            out.println("Ctrl-C stops the server.");
            out.flush();
        }
    }

    private static ServerAction inProcess(KeelCommand root, String... command) {
        return (project, target) -> {
            List<String> args = new ArrayList<>();
            if (root.project != null) {
                args.add("--project");
                args.add(root.project.toString());
            }
            if (root.target != null) {
                args.add("--target");
                args.add(root.target);
            }
            if (root.url != null) {
                args.add("--url");
                args.add(root.url);
            }
            args.add("--json");
            args.addAll(List.of(command));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
            String text = out.toString().strip();
            if (code != 0 && text.isEmpty()) {
                String last = err.toString().strip();
                int nl = last.lastIndexOf('\n');
                throw new KeelException(Secrets.mask(nl < 0 ? last : last.substring(nl + 1)));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> doc = Cli.JSON_LINE.readValue(text.isEmpty() ? "{}" : text, Map.class);
            if (code != 0) {
                throw new KeelException("keel " + String.join(" ", command) + " exited " + code + ": "
                        + Secrets.mask(String.valueOf(doc)));
            }
            return doc;
        };
    }
}
