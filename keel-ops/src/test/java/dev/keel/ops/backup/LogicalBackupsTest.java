package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.KeelException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts of logical backups that need no server: options and reading the tools' errors. */
class LogicalBackupsTest {

    @Test
    void toolError_isTheErrorLineWithItsDetail_notTheFailedCommand() {
        String log = """
                pg_restore: while PROCESSING TOC:
                pg_restore: from TOC entry 215; 1259 16390 TABLE customers keel
                pg_restore: error: could not execute query: ERROR:  relation "customers" already exists
                Command was: CREATE TABLE public.customers (
                    id integer NOT NULL
                );
                """;

        assertThat(LogicalBackups.toolError("pg_restore", log))
                .hasValue("could not execute query: ERROR:  relation \"customers\" already exists");
    }

    @Test
    void toolError_withParallelJobs_isTheWorkersError_notTheLeadersAfterthought() {
        String log = """
                pg_restore: error: could not execute query: ERROR:  relation "public.pa" does not exist
                Command was: ALTER TABLE ONLY public.ch
                    ADD CONSTRAINT ch_pa_fkey FOREIGN KEY (pa) REFERENCES public.pa(id);


                pg_restore: error: a worker process died unexpectedly
                """;

        assertThat(LogicalBackups.toolError("pg_restore", log))
                .hasValue("could not execute query: ERROR:  relation \"public.pa\" does not exist");
    }

    @Test
    void toolError_keepsTheDetailLines() {
        String log = """
                pg_dump: error: aborting because of server version mismatch
                pg_dump: detail: server version: 16.2; pg_dump version: 15.18
                """;

        assertThat(LogicalBackups.toolError("pg_dump", log))
                .hasValue("aborting because of server version mismatch; detail: server version: 16.2; pg_dump version: 15.18");
    }

    @Test
    void toolError_withoutAnErrorLine_isTheLastLine() {
        assertThat(LogicalBackups.toolError("pg_dump", "something odd\nKilled\n\n")).hasValue("Killed");
        assertThat(LogicalBackups.toolError("pg_dump", "  \n")).isEmpty();
    }

    @Test
    void options_rejectBadJobsAndTables_asUsageErrors() {
        assertThatThrownBy(() -> new LogicalBackups.DumpOptions(List.of(), 0))
                .hasMessage("jobs must be 1 to 64, was 0")
                .satisfies(e -> assertThat(((KeelException) e).exitCode()).isEqualTo(KeelException.USAGE));
        assertThatThrownBy(() -> new LogicalBackups.LoadOptions(false, 65)).hasMessage("jobs must be 1 to 64, was 65");
        assertThatThrownBy(() -> new LogicalBackups.DumpOptions(List.of("a,b"), 1)).hasMessage("bad table 'a,b'");
        assertThatThrownBy(() -> new LogicalBackups.DumpOptions(List.of(" "), 1)).hasMessage("bad table ' '");
        assertThat(LogicalBackups.DumpOptions.all().jobs()).isBetween(1, 4);
    }
}
