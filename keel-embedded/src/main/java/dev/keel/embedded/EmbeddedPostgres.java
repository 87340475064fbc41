package dev.keel.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server kept in one directory ({@code .keel/pg} of a project): data directory, generated
 * superuser password (mode 0600), server log and a small state file. It listens on 127.0.0.1 only, on a free
 * port that it keeps across restarts when it can, with password (SCRAM) authentication.
 *
 * <p>Lifecycle notes: {@link #start()} is idempotent and takes a file lock, so two processes starting the
 * same server do not race. A {@code postmaster.pid} left by a crash or kill -9 is recognised as stale when its
 * pid is not a live postgres process; orphaned backends of a killed postmaster still hold its shared memory
 * for a moment, so a start that fails on that is retried for a few seconds.
 */
public final class EmbeddedPostgres {

    /** The superuser Keel creates in every embedded server. */
    public static final String SUPERUSER = "keel";

    private static final String STATE_FILE = "server.properties";
    private static final String KEEL_CONF = "postgresql.keel.conf";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Path home;
    private final Provider provider;
    private final int preferredPort;
    private final Map<String, String> settings;

    private EmbeddedPostgres(Builder b) {
        this.home = b.home.toAbsolutePath().normalize();
        this.provider = b.provider;
        this.preferredPort = b.port;
        this.settings = Map.copyOf(b.settings);
    }

    /** A builder for the server kept in {@code home} (for a project: {@code <project>/.keel/pg}). */
    public static Builder builder(Path home) {
        return new Builder(Objects.requireNonNull(home, "null home"));
    }

    public Path home() {
        return home;
    }

    public Path dataDir() {
        return home.resolve("data");
    }

    public Path logFile() {
        return home.resolve("server.log");
    }

    public Path passwordFile() {
        return home.resolve("password");
    }

    /** The superuser's password, generated at initialisation. */
    public String password() {
        try {
            return Files.readString(passwordFile(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new EmbeddedException("cannot read the embedded server's password file " + passwordFile(),
                    "run 'keel db start' to initialise the embedded server", e);
        }
    }

    public boolean initialized() {
        return Files.isRegularFile(dataDir().resolve("PG_VERSION"));
    }

    /** Initialises (first time) and starts the server; a no-op when it is already running. */
    public ServerStatus start() {
        try {
            Files.createDirectories(home);
            restrict(home, "rwx------");
        } catch (IOException e) {
            throw new EmbeddedException("cannot create " + home + ": " + e.getMessage(),
                    "check permissions of " + home.getParent(), e);
        }
        return withLock(() -> {
            Binaries binaries = binaries();
            if (!initialized()) {
                initdb(binaries);
            }
            checkMajor(binaries);
            if (runningPid().isPresent()) {
                return status();
            }
            removeStalePidFile();
            int port = choosePort();
            writeSettings(binaries, port);
            startServer(binaries);
            saveState(binaries, port);
            return status();
        });
    }

    /** Stops the server (fast shutdown); a no-op when it is not running. */
    public void stop() {
        if (!initialized()) {
            return;
        }
        withLock(() -> {
            if (runningPid().isEmpty()) {
                return null;
            }
            Binaries binaries = binaries();
            ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.asServerUser(List.of(
                    binaries.program("pg_ctl").toString(), "stop", "-D", dataDir().toString(), "-m", "fast", "-w",
                    "-t", "60")), Map.of(), home, Duration.ofSeconds(90));
            if (!r.ok() && runningPid().isPresent()) {
                throw new EmbeddedException("cannot stop the embedded PostgreSQL in " + dataDir() + ": " + r.lastLine(),
                        "see " + logFile());
            }
            return null;
        });
    }

    /** Stops the server and deletes its directory with every database in it. */
    public void destroy() {
        stop();
        try {
            Directories.deleteTree(home);
        } catch (IOException e) {
            throw new EmbeddedException("cannot delete " + home + ": " + e.getMessage(), null, e);
        }
    }

    public ServerStatus status() {
        Properties state = loadState();
        OptionalInt pid = runningPid();
        int port = pid.isPresent() ? pidFilePort().orElse(intOf(state.getProperty("port"))) : intOf(state.getProperty("port"));
        String version = state.getProperty("version", "");
        Provider p = state.containsKey("provider") ? Provider.parse(state.getProperty("provider")) : provider;
        Path binDir = state.containsKey("binDir") ? Path.of(state.getProperty("binDir")) : null;
        return new ServerStatus(initialized(), pid.isPresent(), pid, port, version, p, binDir, dataDir());
    }

    /** The port the running server listens on; throws when it is not running. */
    public int port() {
        ServerStatus s = status();
        if (!s.running()) {
            throw new EmbeddedException("the embedded PostgreSQL in " + home + " is not running", "run 'keel db start'");
        }
        return s.port();
    }

    /** A JDBC URL (without credentials) for a database of the running server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    /** Opens a superuser connection to a database of the running server. */
    public Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", SUPERUSER);
        props.setProperty("password", password());
        props.setProperty("ApplicationName", "keel");
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    /** Creates the database when it does not exist yet; returns true when it was created. */
    public boolean ensureDatabase(String database) {
        try (Connection c = connect("postgres");
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return false;
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + quoteIdent(database));
            }
            return true;
        } catch (SQLException e) {
            if ("42P04".equals(e.getSQLState())) {
                return false; // created concurrently
            }
            throw new EmbeddedException("cannot create database " + database + " in the embedded server: "
                    + e.getMessage(), null, e);
        }
    }

    /** Drops the database when it exists, ending its sessions first. */
    public void dropDatabase(String database) {
        try (Connection c = connect("postgres"); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + quoteIdent(database) + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new EmbeddedException("cannot drop database " + database + " in the embedded server: "
                    + e.getMessage(), null, e);
        }
    }

    /** The binaries this server runs on: the recorded ones when they still exist, else a fresh lookup. */
    public Binaries binaries() {
        Properties state = loadState();
        String dir = state.getProperty("binDir");
        if (dir != null && Files.isExecutable(Path.of(dir, "postgres"))
                && (provider == Provider.AUTO || provider.label().equals(state.getProperty("provider")))) {
            Provider recorded = Provider.parse(state.getProperty("provider", "system"));
            return BinaryLocator.describe(Path.of(dir), recorded)
                    .orElseGet(() -> BinaryLocator.locate(provider));
        }
        return BinaryLocator.locate(provider);
    }

    static String quoteIdent(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    // ---- initialisation -------------------------------------------------------------------------------

    private void initdb(Binaries binaries) {
        try {
            Directories.deleteTree(dataDir());
            if (!Files.exists(passwordFile())) {
                writeSecret(passwordFile(), generatePassword());
            }
            ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.asServerUser(List.of(
                    binaries.program("initdb").toString(), "-D", dataDir().toString(), "-U", SUPERUSER,
                    "--pwfile=" + passwordFile(), "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                    "-E", "UTF8", "--locale=C")), Map.of("LC_ALL", "C"), home, Duration.ofMinutes(3));
            if (!r.ok()) {
                Directories.deleteTree(dataDir());
                throw new EmbeddedException("initdb failed in " + dataDir() + ": " + r.lastLine(),
                        "check free space and permissions of " + home);
            }
            Files.writeString(dataDir().resolve("pg_hba.conf"), """
                    # Written by Keel: TCP on the loopback interface only, password (SCRAM) authentication.
                    host    all             all             127.0.0.1/32            scram-sha-256
                    host    replication     all             127.0.0.1/32            scram-sha-256
                    """, StandardCharsets.UTF_8);
            Files.writeString(dataDir().resolve("postgresql.conf"),
                    "\n# Keel's settings (rewritten at every start)\ninclude_if_exists = '" + KEEL_CONF + "'\n",
                    StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new EmbeddedException("cannot initialise " + dataDir() + ": " + e.getMessage(), null, e);
        }
    }

    private void checkMajor(Binaries binaries) {
        try {
            String dataVersion = Files.readString(dataDir().resolve("PG_VERSION")).strip();
            if (!dataVersion.equals(String.valueOf(binaries.major()))) {
                throw new EmbeddedException("the data directory " + dataDir() + " was created by PostgreSQL "
                        + dataVersion + " but the binaries found are " + binaries.version() + " (" + binaries.binDir() + ")",
                        "install PostgreSQL " + dataVersion + ", or run 'keel db destroy' to start afresh");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The settings later features rely on, plus the caller's; rewritten at every start. */
    Map<String, String> effectiveSettings(Binaries binaries, int port) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("listen_addresses", "'127.0.0.1'");
        s.put("port", String.valueOf(port));
        s.put("unix_socket_directories", "''");
        s.put("password_encryption", "'scram-sha-256'");
        s.put("wal_level", "logical");
        s.put("max_wal_senders", "10");
        s.put("max_replication_slots", "10");
        // Archiving is on from the start so that keel backup never needs a restart; until a backup sets the real
        // archive_command (ALTER SYSTEM, which overrides this file), completed segments are simply recycled.
        s.put("archive_mode", "on");
        s.put("archive_command", "'true'");
        s.put("synchronous_commit", "on");
        s.put("track_io_timing", "on");
        s.put("track_functions", "'pl'");
        List<String> preload = new ArrayList<>();
        if (binaries.hasModule("pg_stat_statements")) {
            preload.add("pg_stat_statements");
            s.put("pg_stat_statements.track", "'all'");
        }
        if (binaries.hasModule("pgaudit")) {
            preload.add("pgaudit");
        }
        s.put("shared_preload_libraries", "'" + String.join(",", preload) + "'");
        s.put("logging_collector", "off");
        s.put("log_line_prefix", "'%m [%p] %q%u@%d '");
        s.putAll(settings);
        return s;
    }

    private void writeSettings(Binaries binaries, int port) {
        StringBuilder text = new StringBuilder("# Written by Keel at every start; edit keel.yaml, not this file.\n");
        effectiveSettings(binaries, port).forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
        try {
            Files.writeString(dataDir().resolve(KEEL_CONF), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- start ----------------------------------------------------------------------------------------

    private void startServer(Binaries binaries) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            long logStart = sizeOfFile(logFile());
            ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.asServerUser(List.of(
                    binaries.program("pg_ctl").toString(), "start", "-D", dataDir().toString(), "-l",
                    logFile().toString(), "-w", "-t", String.valueOf(START_TIMEOUT.toSeconds()))), Map.of("LC_ALL", "C"),
                    home, START_TIMEOUT.plusSeconds(30));
            if (r.ok() && runningPid().isPresent()) {
                return;
            }
            String reason = serverLogReason(logStart).orElse(r.lastLine());
            boolean orphans = reason.contains("shared memory block") || reason.contains("lock file")
                    || reason.contains("Address already in use");
            if (orphans && System.nanoTime() < deadline) {
                sleep(500);
                removeStalePidFile();
                continue;
            }
            throw new EmbeddedException("the embedded PostgreSQL in " + dataDir() + " did not start: " + reason,
                    "see " + logFile());
        }
    }

    /** The first FATAL or PANIC line the server logged since {@code offset}. */
    private java.util.Optional<String> serverLogReason(long offset) {
        try {
            byte[] all = Files.exists(logFile()) ? Files.readAllBytes(logFile()) : new byte[0];
            String text = new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                    StandardCharsets.UTF_8);
            return text.lines().filter(l -> l.contains("FATAL:") || l.contains("PANIC:"))
                    .map(l -> l.substring(l.indexOf(l.contains("FATAL:") ? "FATAL:" : "PANIC:")).strip())
                    .findFirst();
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private int choosePort() {
        int wanted = preferredPort != 0 ? preferredPort : intOf(loadState().getProperty("port"));
        if (wanted > 0 && portFree(wanted)) {
            return wanted;
        }
        if (preferredPort != 0) {
            throw new EmbeddedException("port " + preferredPort + " on 127.0.0.1 is already in use",
                    "choose another embedded.port in keel.yaml, or 0 for any free port");
        }
        return freeLoopbackPort();
    }

    /** A port on 127.0.0.1 that nothing listens on right now. */
    public static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new EmbeddedException("cannot find a free port on 127.0.0.1: " + e.getMessage(), null, e);
        }
    }

    static boolean portFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- pid file ---------------------------------------------------------------------------------------

    /** The postmaster's pid when a live postgres process owns this data directory. */
    OptionalInt runningPid() {
        Path pidFile = dataDir().resolve("postmaster.pid");
        List<String> lines = pidFileLines(pidFile);
        if (lines.isEmpty()) {
            return OptionalInt.empty();
        }
        int pid = intOf(lines.get(0).strip());
        return pid > 0 && isPostgres(pid) ? OptionalInt.of(pid) : OptionalInt.empty();
    }

    private OptionalInt pidFilePort() {
        List<String> lines = pidFileLines(dataDir().resolve("postmaster.pid"));
        return lines.size() > 3 ? OptionalInt.of(intOf(lines.get(3).strip())) : OptionalInt.empty();
    }

    private static List<String> pidFileLines(Path pidFile) {
        try {
            return Files.exists(pidFile) ? Files.readAllLines(pidFile) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static boolean isPostgres(int pid) {
        Path cmdline = Path.of("/proc", String.valueOf(pid), "cmdline");
        try {
            String cmd = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8);
            return cmd.contains("postgres") || cmd.contains("postmaster");
        } catch (IOException e) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                    && !Files.isDirectory(Path.of("/proc"));
        }
    }

    private void removeStalePidFile() {
        Path pidFile = dataDir().resolve("postmaster.pid");
        if (Files.exists(pidFile) && runningPid().isEmpty()) {
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException e) {
                throw new EmbeddedException("cannot remove the stale " + pidFile + ": " + e.getMessage(), null, e);
            }
        }
    }

    // ---- state ------------------------------------------------------------------------------------------

    private Properties loadState() {
        Properties p = new Properties();
        Path file = home.resolve(STATE_FILE);
        if (Files.exists(file)) {
            try (var in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException e) {
                // an unreadable state file is rebuilt at the next start
            }
        }
        return p;
    }

    private void saveState(Binaries binaries, int port) {
        Properties p = new Properties();
        p.setProperty("provider", binaries.provider().label());
        p.setProperty("binDir", binaries.binDir().toString());
        p.setProperty("version", binaries.version());
        p.setProperty("port", String.valueOf(port));
        Path file = home.resolve(STATE_FILE);
        Path tmp = home.resolve(STATE_FILE + ".tmp");
        try (var out = Files.newOutputStream(tmp)) {
            p.store(out, "Keel embedded PostgreSQL");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T withLock(java.util.function.Supplier<T> action) {
        try (FileChannel ch = FileChannel.open(home.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
            return action.get();
        } catch (IOException e) {
            throw new EmbeddedException("cannot lock " + home.resolve(".lock") + ": " + e.getMessage(), null, e);
        }
    }

    // ---- small helpers ----------------------------------------------------------------------------------

    private static String generatePassword() {
        SecureRandom random = new SecureRandom();
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        StringBuilder sb = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static void writeSecret(Path file, String secret) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, secret + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void restrict(Path dir, String perms) {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(perms));
        } catch (IOException | UnsupportedOperationException e) {
            // best effort: non-POSIX file systems keep their own permissions
        }
    }

    private static int intOf(String text) {
        try {
            return text == null ? 0 : Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long sizeOfFile(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0L;
        } catch (IOException e) {
            return 0L;
        }
    }

    static long sizeOf(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(EmbeddedPostgres::sizeOfFile).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0L; // files vanish while the server runs; the size is an estimate anyway
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedException("interrupted while starting the embedded server", null, e);
        }
    }

    /** Configures an {@link EmbeddedPostgres}; nothing happens until {@link #build()} and start. */
    public static final class Builder {
        private final Path home;
        private Provider provider = Provider.AUTO;
        private int port;
        private final Map<String, String> settings = new LinkedHashMap<>();

        private Builder(Path home) {
            this.home = home;
        }

        public Builder provider(Provider provider) {
            this.provider = Objects.requireNonNull(provider, "null provider");
            return this;
        }

        /** A fixed port; 0 (the default) keeps the last port when free, else takes any free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** An extra server setting, written as {@code name = value} (quote string values yourself). */
        public Builder setting(String name, String value) {
            settings.put(Objects.requireNonNull(name, "null setting name"), Objects.requireNonNull(value, "null value"));
            return this;
        }

        public EmbeddedPostgres build() {
            return new EmbeddedPostgres(this);
        }
    }
}
