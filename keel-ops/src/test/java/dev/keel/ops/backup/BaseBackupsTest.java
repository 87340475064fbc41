package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseBackupsTest {

    @TempDir
    Path dir;

    @Test
    void major_readsTheLeadingNumberOfAServerVersion() {
        assertThat(BaseBackups.major("15.18 (Debian 15.18-0+deb12u1)")).isEqualTo(15);
        assertThat(BaseBackups.major("9.6.24")).isEqualTo(9);
        assertThat(BaseBackups.major("17devel")).isEqualTo(17);
        assertThat(BaseBackups.major(null)).isZero();
        assertThat(BaseBackups.major("unknown")).isZero();
    }

    @Test
    void serverCompresses_onlyWhenServerAndPgBasebackupAreBoth15OrNewer() throws Exception {
        Path v14 = tool("pg_basebackup (PostgreSQL) 14.12 (Debian 14.12-1)");
        Path v15 = tool("pg_basebackup (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)");
        Path broken = dir.resolve("missing");

        assertThat(BaseBackups.serverCompresses("15.18", v15)).isTrue();
        assertThat(BaseBackups.serverCompresses("16.4", v15)).isTrue();
        assertThat(BaseBackups.serverCompresses("14.12", v15)).as("server too old").isFalse();
        assertThat(BaseBackups.serverCompresses("15.18", v14)).as("pg_basebackup too old").isFalse();
        assertThat(BaseBackups.serverCompresses("15.18", broken)).as("cannot tell").isFalse();
    }

    /** A stand-in pg_basebackup that only answers --version, as a real one does. */
    private Path tool(String version) throws Exception {
        Path p = Files.createTempFile(dir, "pg_basebackup", "");
        Files.writeString(p, "#!/bin/sh\necho '" + version + "'\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }
}
