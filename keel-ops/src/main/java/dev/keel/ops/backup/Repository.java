package dev.keel.ops.backup;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where backups are stored: a flat namespace of objects named by relative, slash-separated paths
 * ({@code backups/b1/manifest.json}). A local directory today; S3 and the like can implement it later.
 * Paths are validated by each implementation: no empty, {@code .} or {@code ..} segments, no leading slash.
 */
public interface Repository {

    /** Stores {@code bytes} at {@code path}, replacing any object there; durable and atomic when it returns. */
    void put(String path, byte[] bytes);

    /** Stores {@code bytes}' remaining bytes at {@code path}; durable and atomic when it returns. */
    default void put(String path, java.nio.ByteBuffer bytes) {
        byte[] copy = new byte[bytes.remaining()];
        bytes.duplicate().get(copy);
        put(path, copy);
    }

    /** Stores everything {@code in} yields at {@code path}; durable and atomic when it returns. */
    void put(String path, InputStream in);

    /** The object's bytes, or empty when there is none. */
    Optional<byte[]> get(String path);

    /**
     * The object's bytes, read into {@code reuse} when they fit, else into a new array: a buffer from 0 to their
     * length, or empty when there is none. For readers of many objects that keep one array.
     */
    default Optional<java.nio.ByteBuffer> get(String path, byte[] reuse) {
        return get(path).map(java.nio.ByteBuffer::wrap);
    }

    /** Whether an object exists at {@code path}. */
    boolean exists(String path);

    /** The paths of all objects whose path starts with {@code prefix}, sorted; in-progress writes are not listed. */
    List<String> list(String prefix);

    /**
     * The names one level below {@code prefix} (ending in {@code /}) under which at least one object is stored,
     * sorted: what S3 lists as common prefixes with the delimiter {@code /}. Objects directly under {@code prefix}
     * are not among them. Cheaper than {@link #list} where only the next level is wanted.
     */
    default java.util.SortedSet<String> children(String prefix) {
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        for (String path : list(prefix)) {
            int slash = path.indexOf('/', prefix.length());
            if (slash > prefix.length()) {
                out.add(path.substring(prefix.length(), slash));
            }
        }
        return out;
    }

    /** Deletes the object at {@code path}; deleting a missing object is not an error. */
    void delete(String path);
}
