package dev.keel.ops.backup;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/** A real repository behind a wrapper that tests extend to watch or break one operation; the rest pass through. */
abstract class ForwardingRepository implements Repository {
    protected final Repository real;

    ForwardingRepository(Repository real) {
        this.real = real;
    }

    @Override
    public void put(String path, byte[] bytes) {
        real.put(path, bytes);
    }

    @Override
    public void put(String path, ByteBuffer bytes) {
        real.put(path, bytes);
    }

    @Override
    public void put(String path, InputStream in) {
        real.put(path, in);
    }

    @Override
    public Optional<byte[]> get(String path) {
        return real.get(path);
    }

    @Override
    public Optional<ByteBuffer> get(String path, byte[] reuse) {
        return real.get(path, reuse);
    }

    @Override
    public boolean exists(String path) {
        return real.exists(path);
    }

    @Override
    public List<String> list(String prefix) {
        return real.list(prefix);
    }

    @Override
    public SortedSet<String> children(String prefix) {
        return real.children(prefix);
    }

    @Override
    public void delete(String path) {
        real.delete(path);
    }
}
