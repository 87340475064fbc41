package dev.keel.core.progress;

/** Progress for {@code KEEL_PROGRESS=off}: accepts every call and prints nothing. */
final class SilentProgress implements Progress {

    @Override
    public void advance(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("advance must be 0 or more, was " + n);
        }
    }

    @Override
    public void set(long done) {
        if (done < 0) {
            throw new IllegalArgumentException("done must be 0 or more, was " + done);
        }
    }

    @Override
    public void message(String status) {
    }

    @Override
    public void close() {
    }
}
