package dev.keel.server;

import static java.util.Objects.requireNonNull;

import dev.keel.core.ConfigException;
import dev.keel.core.project.Project;
import dev.keel.core.project.ProjectConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How {@code keel serve} runs: where it listens, whether it takes actions, TLS, the token file, the scheduled jobs
 * and the actions it knows. Built from keel.yaml with {@link #from(Project, Map)}, then adjusted by the command line.
 *
 * @param bind         address to listen on (127.0.0.1 unless told otherwise)
 * @param port         TCP port; 0 picks a free one
 * @param allowActions whether POST /api/actions/* may run anything (else 403 naming --allow-actions)
 * @param tls          HTTPS from a keystore, when configured
 * @param tokenFile    where the bearer token lives (created 0600 on first start)
 * @param jobs         job name to interval, for the jobs keel.yaml turns on
 * @param actions      action name to implementation (snapshot and check are built in; the CLI adds backup and verify)
 */
public record ServerOptions(String bind, int port, boolean allowActions, Optional<Tls> tls, Path tokenFile,
                            Map<String, Duration> jobs, Map<String, ServerAction> actions) {

    /** A keystore (PKCS#12 or JKS) and its password, read from the environment variable keel.yaml names. */
    public record Tls(Path keystore, String password) {
        public Tls {
            requireNonNull(keystore, "null keystore");
            requireNonNull(password, "null password");
        }

        @Override
        public String toString() {
            return "Tls[" + keystore + "]"; // never the password
        }
    }

    public ServerOptions {
        requireNonNull(bind, "null bind");
        requireNonNull(tls, "null tls");
        requireNonNull(tokenFile, "null tokenFile");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535, was " + port);
        }
        jobs = Map.copyOf(jobs);
        actions = Map.copyOf(actions);
    }

    /** The project's {@code server} settings; {@code env} supplies the keystore password. */
    public static ServerOptions from(Project project, Map<String, String> env) {
        ProjectConfig.ServerConfig s = project.config().server();
        Optional<Tls> tls = s.tlsConfig().map(t -> {
            String password = env.get(t.passwordEnv());
            if (password == null) {
                throw new ConfigException(project.where("server.tls.password-env") + ": the environment variable "
                        + t.passwordEnv() + " is not set", "export " + t.passwordEnv() + " with the keystore's password");
            }
            return new Tls(project.dir().resolve(t.keystore()), password);
        });
        Map<String, ServerAction> actions = new LinkedHashMap<>();
        actions.put("snapshot", BuiltInActions::snapshot);
        // keel check, recorded in the project's check history (POST /api/actions/check and the server.jobs.check job;
        // GET /api/check evaluates without recording). The CLI adds backup and verify (ServeCommand), which run their
        // commands in-process.
        actions.put("check", BuiltInActions::check);
        return new ServerOptions(s.bind(), s.port(), false, tls, project.keelDir().resolve(ServerToken.FILE_NAME),
                s.jobs().intervals(), actions);
    }

    public ServerOptions withPort(int port) {
        return new ServerOptions(bind, port, allowActions, tls, tokenFile, jobs, actions);
    }

    public ServerOptions withBind(String bind) {
        return new ServerOptions(bind, port, allowActions, tls, tokenFile, jobs, actions);
    }

    public ServerOptions withAllowActions(boolean allow) {
        return new ServerOptions(bind, port, allow, tls, tokenFile, jobs, actions);
    }

    /** Adds or replaces an action; the names the server knows are snapshot, backup, verify and check. */
    public ServerOptions withAction(String name, ServerAction action) {
        requireNonNull(name, "null name");
        requireNonNull(action, "null action");
        Map<String, ServerAction> m = new LinkedHashMap<>(actions);
        m.put(name, action);
        return new ServerOptions(bind, port, allowActions, tls, tokenFile, jobs, m);
    }
}
