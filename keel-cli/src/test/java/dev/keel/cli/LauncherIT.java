package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code keel} launcher script, run from a copy of the checkout's layout (the script, the built jar and the
 * class list): its class-data archive is made once per jar, then Keel's classes come from it.
 */
class LauncherIT {

    @TempDir
    Path root;

    record Result(int code, String out, String err) {
    }

    private Result keel(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = Stream.concat(Stream.of(root.resolve("keel").toString()), Stream.of(args)).toList();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(root.resolve("err.txt").toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("KEEL_JAVA_OPTS");
        pb.environment().remove("KEEL_CDS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out, Files.readString(root.resolve("err.txt")));
    }

    private List<Path> archives() throws IOException {
        try (Stream<Path> files = Files.list(root.resolve("keel-cli/target"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jsa")).toList();
        }
    }

    @Test
    void classDataArchive_isMadeOncePerJar_andKeelsClassesLoadFromIt() throws Exception {
        Files.copy(Path.of("../keel"), root.resolve("keel"));
        Files.createDirectories(root.resolve("keel-cli/target"));
        Path jar = Files.copy(Path.of("target/keel.jar"), root.resolve("keel-cli/target/keel.jar"));
        Map<String, String> logLoads = Map.of("KEEL_JAVA_OPTS", "-Xlog:class+load=info");

        // Without the class list (a partial checkout), Keel runs as it is.
        Result noList = keel(Map.of(), "--version");
        assertThat(noList.code()).as(noList.err()).isZero();
        assertThat(noList.out()).startsWith("keel 0.");
        assertThat(archives()).isEmpty();

        Files.createDirectories(root.resolve("keel-cli/cds"));
        Files.copy(Path.of("cds/classes.txt"), root.resolve("keel-cli/cds/classes.txt"));
        Result first = keel(Map.of(), "--version");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).startsWith("keel 0.");
        assertThat(first.err()).contains("preparing Keel's class-data archive");
        assertThat(archives()).hasSize(1);

        Result second = keel(logLoads, "--version");
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.err()).doesNotContain("preparing");
        assertThat(second.out()).contains("dev.keel.cli.Main source: shared objects file").contains("keel 0.");

        // A newer jar (a rebuild) makes the archive stale: it is made again, not used as it is.
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));
        Result rebuilt = keel(logLoads, "--version");
        assertThat(rebuilt.err()).contains("preparing Keel's class-data archive");
        assertThat(rebuilt.out()).contains("dev.keel.cli.Main source: shared objects file");
        assertThat(archives()).hasSize(1);

        Result off = keel(Map.of("KEEL_CDS", "off", "KEEL_JAVA_OPTS", "-Xlog:class+load=info"), "--version");
        assertThat(off.out()).contains("dev.keel.cli.Main source: file:")
                .doesNotContain("dev.keel.cli.Main source: shared objects file");
    }

    private static long zipSize(Path jar) throws IOException {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            return zip.getEntry("com/amazon/corretto/crypto/provider/libamazonCorrettoCryptoProvider.so").getSize();
        }
    }

    /**
     * The native libraries of the crypto provider, zstd-jni and lz4-java are unpacked from the jar once per build, and every
     * JVM the launcher starts is pointed at them (instead of each unpacking 10 MB into /tmp).
     */
    @Test
    void nativeLibraries_areUnpackedOncePerJar_andTheJvmIsPointedAtThem() throws Exception {
        Files.copy(Path.of("../keel"), root.resolve("keel"));
        Files.createDirectories(root.resolve("keel-cli/target"));
        Path jar = Files.copy(Path.of("target/keel.jar"), root.resolve("keel-cli/target/keel.jar"));
        Path nativeDir = root.resolve("keel-cli/target/native");
        Map<String, String> showProperties = Map.of("KEEL_JAVA_OPTS", "-XshowSettings:properties");

        Result first = keel(showProperties, "--version");

        assertThat(first.code()).as(first.err()).isZero();
        try (Stream<Path> files = Files.list(nativeDir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .contains("libamazonCorrettoCryptoProvider.so", "liblz4-java.so", "complete")
                    .anyMatch(n -> n.matches("libzstd-jni-.*\\.so"));
        }
        assertThat(first.err()).contains("java.library.path = " + nativeDir)
                .contains("com.amazon.corretto.crypto.provider.useExternalLib = true");
        // the library the provider loads in place is the jar's own, byte for byte
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            byte[] inJar = zip.getInputStream(zip.getEntry("com/amazon/corretto/crypto/provider/libamazonCorrettoCryptoProvider.so"))
                    .readAllBytes();
            assertThat(Files.readAllBytes(nativeDir.resolve("libamazonCorrettoCryptoProvider.so"))).isEqualTo(inJar);
        }

        // A damaged library (here truncated, which would crash the JVM that maps it) is unpacked again.
        Path accp = nativeDir.resolve("libamazonCorrettoCryptoProvider.so");
        try (var ch = java.nio.channels.FileChannel.open(accp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(1000);
        }
        assertThat(keel(Map.of(), "--version").code()).isZero();
        assertThat(Files.size(accp)).isEqualTo(zipSize(jar));

        // A newer jar (a rebuild) unpacks them again; KEEL_NATIVE=off leaves the JVM to unpack its own.
        FileTime before = Files.getLastModifiedTime(nativeDir.resolve("complete"));
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(keel(Map.of(), "--version").code()).isZero();
        assertThat(Files.getLastModifiedTime(nativeDir.resolve("complete"))).isGreaterThan(before);
        Result off = keel(Map.of("KEEL_NATIVE", "off", "KEEL_JAVA_OPTS", "-XshowSettings:properties"), "--version");
        assertThat(off.err()).doesNotContain(nativeDir.toString()).doesNotContain("useExternalLib");
    }
}
