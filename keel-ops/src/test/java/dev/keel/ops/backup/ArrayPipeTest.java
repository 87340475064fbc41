package dev.keel.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

class ArrayPipeTest {

    @Test
    void stream_readsEveryArrayInOrder_acrossThreads_thenEnds() throws Exception {
        ArrayPipe<byte[]> pipe = new ArrayPipe<>(2);
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < 100; i++) {
                    pipe.put(new byte[] {(byte) i, (byte) (i + 1)});
                    pipe.put(new byte[0]); // empty arrays are skipped by the stream
                }
                pipe.end();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        byte[] all = ArrayPipe.stream(pipe).readAllBytes();

        producer.join();
        assertThat(all).hasSize(200);
        for (int i = 0; i < 100; i++) {
            assertThat(all[2 * i]).isEqualTo((byte) i);
            assertThat(all[2 * i + 1]).isEqualTo((byte) (i + 1));
        }
        assertThat(pipe.take()).isNull();
    }

    @Test
    void take_throwsWhatTheProducerFailedWith_afterTheArraysBeforeIt() throws Exception {
        ArrayPipe<byte[]> pipe = new ArrayPipe<>(4);
        pipe.put(new byte[] {1});
        pipe.fail(new IOException("chunk 3 is corrupt"));

        assertThat(pipe.take()).containsExactly(1);
        assertThatThrownBy(pipe::take).isInstanceOf(IOException.class).hasMessage("chunk 3 is corrupt");
        ArrayPipe<byte[]> runtime = new ArrayPipe<>(1);
        runtime.fail(BackupException.runtime("backup b stream s chunk 0 is missing", null, null));
        assertThatThrownBy(runtime::take).isInstanceOf(BackupException.class).hasMessageContaining("is missing");
    }

    @Test
    void abandon_releasesAProducerWaitingOnAFullPipe_andRefusesLaterArrays() throws Exception {
        ArrayPipe<byte[]> pipe = new ArrayPipe<>(1);
        pipe.put(new byte[] {1});
        CompletableFuture<Boolean> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return pipe.put(new byte[] {2}); // full: waits
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        pipe.abandon();

        // Without abandon the producer waited for ever; the bound only keeps a broken build from hanging.
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThat(blocked.join()).isFalse());
        assertThat(pipe.put(new byte[] {3})).isFalse();
    }
}
