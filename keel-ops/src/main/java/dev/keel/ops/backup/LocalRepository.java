package dev.keel.ops.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A {@link Repository} in a local directory. Each put writes a hidden temporary file next to the target,
 * fsyncs it, renames it over the target atomically and fsyncs the directory, so a crash leaves either the
 * old object or the new one, never a torn one. Hidden files (names starting with '.') are never listed.
 */
public final class LocalRepository implements Repository {

    private final Path root;

    public LocalRepository(Path root) {
        this.root = Objects.requireNonNull(root, "null root").toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public void put(String path, byte[] bytes) {
        Objects.requireNonNull(bytes, "null bytes");
        put(path, ByteBuffer.wrap(bytes));
    }

    @Override
    public void put(String path, ByteBuffer bytes) {
        Objects.requireNonNull(bytes, "null bytes");
        write(path, channel -> {
            ByteBuffer buffer = bytes.duplicate();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        });
    }

    @Override
    public void put(String path, InputStream in) {
        Objects.requireNonNull(in, "null in");
        write(path, channel -> {
            OutputStream out = Channels.newOutputStream(channel);
            in.transferTo(out);
            out.flush();
        });
    }

    private interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    private void write(String path, Body body) {
        Path target = resolve(path);
        Path dir = target.getParent();
        Path temp = dir.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            createDirectories(dir);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                body.writeTo(channel);
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw BackupException.runtime("the file system under " + root + " cannot rename atomically",
                        "put the repository on a local POSIX file system", e);
            }
            fsyncDirectory(dir);
        } catch (IOException e) {
            throw BackupException.runtime("could not write " + target + ": " + e.getMessage(),
                    "check that the repository directory is writable and has free space", e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: a leftover hidden temp file is never listed
            }
        }
    }

    /** Creates missing directories one by one, fsyncing each parent so the new entry survives a crash. */
    private void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return;
        }
        fsyncDirectory(dir.getParent());
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    @Override
    public Optional<byte[]> get(String path) {
        Path file = resolve(path);
        try {
            return Optional.of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw BackupException.runtime("could not read " + file + ": " + e.getMessage(), null, e);
        }
    }

    @Override
    public Optional<ByteBuffer> get(String path, byte[] reuse) {
        Path file = resolve(path);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw BackupException.runtime(file + " is too large to be a repository object (" + size + " bytes)");
            }
            ByteBuffer buffer = ByteBuffer.wrap(size <= reuse.length ? reuse : new byte[(int) size], 0, (int) size);
            while (buffer.hasRemaining() && ch.read(buffer) >= 0) {
                // FileChannel reads through one direct buffer per thread, kept between calls
            }
            if (buffer.hasRemaining()) {
                throw BackupException.runtime("could not read " + file + ": it shrank while being read");
            }
            return Optional.of(buffer.flip());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw BackupException.runtime("could not read " + file + ": " + e.getMessage(), null, e);
        }
    }

    @Override
    public boolean exists(String path) {
        return Files.isRegularFile(resolve(path));
    }

    @Override
    public List<String> list(String prefix) {
        Objects.requireNonNull(prefix, "null prefix");
        List<String> result = new ArrayList<>();
        // Walk only the deepest directory the prefix names, not the whole repository.
        int slash = prefix.lastIndexOf('/');
        Path start = slash <= 0 ? root : resolve(prefix.substring(0, slash));
        if (!Files.isDirectory(start)) {
            return result;
        }
        try (Stream<Path> files = Files.walk(start)) {
            files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .map(p -> root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/"))
                    .filter(p -> p.startsWith(prefix))
                    .forEach(result::add);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw BackupException.runtime("could not list " + root + ": " + e.getMessage(), null, e);
        }
        Collections.sort(result);
        return result;
    }

    @Override
    public java.util.SortedSet<String> children(String prefix) {
        Objects.requireNonNull(prefix, "null prefix");
        if (!prefix.endsWith("/")) {
            throw new IllegalArgumentException("a prefix for children ends with '/': '" + prefix + "'");
        }
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        Path dir = resolve(prefix.substring(0, prefix.length() - 1));
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path child : entries) {
                try (Stream<Path> files = Files.walk(child)) { // stops at the first object
                    if (files.anyMatch(p -> Files.isRegularFile(p) && !p.getFileName().toString().startsWith("."))) {
                        out.add(child.getFileName().toString());
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw BackupException.runtime("could not list " + dir + ": " + e.getMessage(), null, e);
        }
        return out;
    }

    @Override
    public void delete(String path) {
        Path file = resolve(path);
        try {
            if (Files.deleteIfExists(file)) {
                removeEmptyParents(file.getParent());
            }
        } catch (IOException e) {
            throw BackupException.runtime("could not delete " + file + ": " + e.getMessage(), null, e);
        }
    }

    private void removeEmptyParents(Path dir) throws IOException {
        while (dir != null && !dir.equals(root) && dir.startsWith(root)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                if (entries.iterator().hasNext()) {
                    return;
                }
            }
            Path parent = dir.getParent();
            try {
                Files.delete(dir);
            } catch (java.nio.file.DirectoryNotEmptyException | NoSuchFileException e) {
                return;
            }
            dir = parent;
        }
    }

    private Path resolve(String path) {
        Objects.requireNonNull(path, "null path");
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/")) {
            throw new IllegalArgumentException("bad repository path '" + path + "'");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.contains("\\")) {
                throw new IllegalArgumentException("bad repository path '" + path + "'");
            }
        }
        Path resolved = root.resolve(path).normalize();
        if (!resolved.startsWith(root)) {
            throw new IllegalArgumentException("bad repository path '" + path + "'");
        }
        return resolved;
    }
}
