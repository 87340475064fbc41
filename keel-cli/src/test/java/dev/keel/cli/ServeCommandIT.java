package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.test.KeelPostgres;
import dev.keel.test.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keel serve from the command line: the first start prints the token once, later starts only the URL. */
@KeelPostgres
class ServeCommandIT {

    @TempDir
    Path dir;

    private static String url(TestDatabase db) {
        return "postgresql://" + db.user() + ":" + db.password() + "@127.0.0.1:" + db.port() + "/" + db.name();
    }

    /** Runs keel serve in a thread until it printed its URL, then stops it as an interrupt would; returns stdout. */
    private String serveOnce(TestDatabase db) throws Exception {
        return serveOnce(db, null);
    }

    private String serveOnce(TestDatabase db, java.util.function.Consumer<String> whileUp, String... extra) throws Exception {
        Files.writeString(dir.resolve("keel.yaml"), "targets:\n  db:\n    url: " + url(db) + "\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int[] code = {-1};
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("serve", "--port", "0",
                "--project", dir.resolve("keel.yaml").toString()));
        args.addAll(java.util.List.of(extra));
        Thread t = new Thread(() -> code[0] = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new)));
        t.start();
        Instant until = Instant.now().plusSeconds(30);
        while (!out.toString().contains("Ctrl-C") && t.isAlive() && Instant.now().isBefore(until)) {
            Thread.sleep(20);
        }
        Matcher m = Pattern.compile("keel serve: (http://127\\.0\\.0\\.1:\\d+/)").matcher(out.toString());
        assertThat(m.find()).as(out + "" + err).isTrue();
        HttpResponse<String> live = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(m.group(1) + "health/live"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).isEqualTo(200);
        if (whileUp != null) {
            whileUp.accept(m.group(1));
        }
        t.interrupt();
        t.join(10_000);
        assertThat(code[0]).as(err.toString()).isZero();
        return out.toString();
    }

    @Test
    void serve_printsTheTokenOnceAndAfterwardsOnlyWhereItIs(TestDatabase db) throws Exception {
        String first = serveOnce(db);
        String token = Files.readString(dir.resolve(".keel/server-token")).strip();
        String second = serveOnce(db);

        assertThat(first).contains(token).contains("?token=" + token);
        assertThat(second).doesNotContain(token).contains("server-token").contains("keel serve: http://127.0.0.1:");
        assertThat(first + second).doesNotContain(db.password());
    }

    @Test
    void verifyAction_runsKeelBackupVerifyInProcessAndReportsItsError(TestDatabase db) throws Exception {
        String[] status = {""};
        serveOnce(db, url -> {
            try {
                HttpClient client = HttpClient.newHttpClient();
                String token = Files.readString(dir.resolve(".keel/server-token")).strip();
                HttpResponse<String> accepted = client.send(HttpRequest.newBuilder(URI.create(url + "api/actions/verify"))
                        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(accepted.statusCode()).isEqualTo(202);
                String location = accepted.headers().firstValue("Location").orElseThrow();
                for (Instant until = Instant.now().plusSeconds(30); Instant.now().isBefore(until)
                        && !status[0].contains("\"failed\"") && !status[0].contains("\"ok\""); Thread.sleep(50)) {
                    status[0] = client.send(HttpRequest.newBuilder(URI.create(url).resolve(location))
                            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "--allow-actions");

        // no backup yet: the run fails with keel backup verify's own message, and the server kept serving
        assertThat(status[0]).contains("\"status\": \"failed\"").contains("no complete backup");
    }

    @Test
    void serve_onAPortInUseIsOneLineNamingItAndExit3(TestDatabase db) throws Exception {
        Files.writeString(dir.resolve("keel.yaml"), "name: t\n");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Run run = Run.keel("serve", "--url", url(db), "--port", String.valueOf(taken.getLocalPort()),
                    "--project", dir.toString());

            assertThat(run.exitCode()).isEqualTo(3);
            assertThat(run.err().strip()).doesNotContain("\n").contains("port " + taken.getLocalPort() + " on 127.0.0.1 is in use");
            assertThat(dir.resolve(".keel/server-token")).doesNotExist(); // a token nobody was shown is not kept
        }
    }
}
