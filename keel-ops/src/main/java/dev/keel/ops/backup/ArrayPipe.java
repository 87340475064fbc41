package dev.keel.ops.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Arrays (or buffers) handed from one thread to another, in order. At most {@code capacity} wait; the producer blocks beyond
 * that. The producer ends the sequence with {@link #end}, or with {@link #fail}, whose exception the consumer's
 * {@link #take} then throws. A consumer that stops early {@link #abandon}s the pipe: from then on {@link #put}
 * drops its array and returns false at once, so a producer never waits for a reader that has gone.
 */
final class ArrayPipe<T> {

    private static final Object END = new Object();

    private final BlockingQueue<Object> queue;
    private volatile boolean abandoned;
    private volatile Exception failure;
    private boolean ended;

    ArrayPipe(int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /** Hands {@code array} on (the consumer owns it from now); false when the consumer has given up. */
    boolean put(T array) throws InterruptedIOException {
        try {
            while (!abandoned) {
                if (queue.offer(array, 100, TimeUnit.MILLISECONDS)) {
                    if (abandoned) { // abandon() made the room: nobody will read it
                        queue.clear();
                        return false;
                    }
                    return true;
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while handing data to another thread");
        }
    }

    /** The last call of a producer that finished. */
    @SuppressWarnings("unchecked")
    void end() {
        try {
            put((T) END);
        } catch (InterruptedIOException e) {
            // the producer is being stopped: whatever interrupted it reports the failure
        }
    }

    /** The last call of a producer that failed: {@code e}, an IOException or a RuntimeException, reaches the consumer. */
    void fail(Exception e) {
        failure = e;
        end();
    }

    /** The consumer stops reading: waiting arrays are dropped and later ones refused. */
    void abandon() {
        abandoned = true;
        queue.clear();
    }

    /** The next array, or null after the end; throws what the producer failed with. */
    @SuppressWarnings("unchecked")
    T take() throws IOException {
        if (ended) {
            return null;
        }
        Object b;
        try {
            b = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for data from another thread");
        }
        if (b != END) {
            return (T) b;
        }
        ended = true;
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        return null;
    }

    /** A pipe's arrays as one stream, for the consumer. */
    static InputStream stream(ArrayPipe<byte[]> pipe) {
        return stream(pipe, array -> { });
    }

    /** A pipe's arrays as one stream, for the consumer; each array read to its end goes to {@code consumed}. */
    static InputStream stream(ArrayPipe<byte[]> pipe, java.util.function.Consumer<byte[]> consumed) {
        return new ArraysInputStream() {
            @Override
            protected byte[] nextArray() throws IOException {
                return pipe.take();
            }

            @Override
            protected void consumed(byte[] array) {
                consumed.accept(array);
            }
        };
    }

    /** An InputStream over a sequence of arrays that {@link #nextArray} supplies, null at the end. */
    abstract static class ArraysInputStream extends InputStream {
        private byte[] current = new byte[0];
        private int pos;

        /** The next array (empty ones are skipped), or null when there is none. */
        protected abstract byte[] nextArray() throws IOException;

        /** Called with each array this stream has read to its end; nothing here reads it again. */
        protected void consumed(byte[] array) {
        }

        /** Whether the array being read is used up, so that the next one may be taken whole. */
        final boolean betweenArrays() {
            return pos == current.length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            while (pos == current.length) {
                byte[] next = nextArray();
                if (next == null) {
                    return -1;
                }
                if (current.length > 0) {
                    consumed(current);
                }
                current = next;
                pos = 0;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        /** Skips within the arrays, without copying what it passes. */
        @Override
        public long skip(long n) throws IOException {
            long skipped = 0;
            while (skipped < n) {
                if (pos == current.length) {
                    byte[] next = nextArray();
                    if (next == null) {
                        break;
                    }
                    if (current.length > 0) {
                        consumed(current);
                    }
                    current = next;
                    pos = 0;
                }
                int step = (int) Math.min(n - skipped, current.length - pos);
                pos += step;
                skipped += step;
            }
            return skipped;
        }
    }
}
