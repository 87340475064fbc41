package dev.keel.ops.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every file of a physical backup as pg_basebackup sent it, kept in the backup as the encrypted stream
 * {@value #STREAM}: one JSON line per directory, symlink or regular file, in tar order, after a header line.
 * A regular file is cut into blocks of {@value #BLOCK_SIZE} bytes (the last one shorter); each block has its
 * hash (see {@link BlockHash}) and the id of the backup whose stream holds its bytes (the {@code holder}). A full
 * backup holds every block of its own; an incremental holds only the blocks that differ from its parent's and names
 * older backups for the rest, so restoring any backup means fetching each block from its holder. A file's own
 * {@code sha256} is the SHA-256 of its blocks' hashes in order, so the data is hashed once.
 *
 * <p>Format {@code keel-files-2} hashes blocks with XXH64 (the stored chunks themselves carry AES-GCM tags and a
 * SHA-256 each: block hashes only find changed blocks and check that a chain reassembles right, the job pgBackRest
 * gives xxHash in its block incremental). Format {@code keel-files-1}, which older Keel wrote, used SHA-256; both
 * are read, and a block's algorithm is told by its hash's length.
 */
final class FileList {

    static final String STREAM = "base.tar.files";
    static final String FORMAT = "keel-files-2";
    private static final String FORMAT_SHA256 = "keel-files-1";
    /**
     * The block size of the lists Keel writes: 256 KiB, 32 PostgreSQL pages, so an incremental stores a changed
     * table a quarter of a MiB at a time (a 1 GiB segment has 4,096 block hashes, 64 KiB of hex, in the list). Lists
     * older Keel wrote have 1 MiB blocks and are still read; each list's header gives its size.
     */
    static final int BLOCK_SIZE = 256 << 10;
    /** The largest block size a list may have (older Keel's). */
    static final int MAX_BLOCK_SIZE = 1 << 20;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    enum Type { DIR, FILE, SYMLINK }

    /**
     * One block of a file: its hash (lower-case hex) and the backup holding it. A file list of a large cluster holds
     * millions of blocks, so an XXH64 hash is kept as its 64-bit value, not as a string: 36 bytes a block in memory
     * instead of 84 (bench/RESULTS.md, ninth session). Other hashes (SHA-256 in lists older Keel wrote) stay strings.
     */
    static final class Block {
        private static final HexFormat HEX = HexFormat.of();
        private final long xxh64;
        private final String other; // null: the hash is xxh64
        private final String holder;

        Block(String hash, String holder) {
            if (isXxh64(hash)) {
                this.xxh64 = HexFormat.fromHexDigitsToLong(hash);
                this.other = null;
            } else {
                this.xxh64 = 0;
                this.other = java.util.Objects.requireNonNull(hash, "null hash");
            }
            this.holder = holder;
        }

        /** The hash as lower-case hex. */
        String hash() {
            return other != null ? other : HEX.toHexDigits(xxh64);
        }

        /** Whether the hash is {@code hash} (lower-case hex), without formatting this one. */
        boolean hashIs(String hash) {
            return other != null ? other.equals(hash) : isXxh64(hash) && HexFormat.fromHexDigitsToLong(hash) == xxh64;
        }

        /** Whether {@code data[off, off + len)} has this block's hash: the one check of a block's bytes. */
        boolean isHashOf(byte[] data, int off, int len) {
            if (other == null) {
                return BlockHash.XX.hash(data, off, len, 0L) == xxh64;
            }
            return HEX.formatHex(BlockHash.of(other).digest(data, off, len)).equals(other);
        }

        String holder() {
            return holder;
        }

        private static boolean isXxh64(String hash) {
            if (hash == null || hash.length() != 16) {
                return false;
            }
            for (int i = 0; i < 16; i++) {
                char c = hash.charAt(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Block b && xxh64 == b.xxh64 && java.util.Objects.equals(other, b.other)
                    && java.util.Objects.equals(holder, b.holder);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(xxh64, other, holder);
        }

        @Override
        public String toString() {
            return "Block[hash=" + hash() + ", holder=" + holder + "]";
        }
    }

    /** How a block's bytes are hashed: XXH64 now, SHA-256 in lists older Keel wrote. Hashes are lower-case hex. */
    enum BlockHash {
        XXH64, SHA256;

        private static final net.jpountz.xxhash.XXHash64 XX = net.jpountz.xxhash.XXHashFactory.fastestInstance().hash64();

        /** The algorithm of a recorded hash, by its length (16 or 64 hex digits). */
        static BlockHash of(String hex) {
            return hex.length() == 64 ? SHA256 : XXH64;
        }

        /** The hash of {@code data[off, off + len)}. */
        byte[] digest(byte[] data, int off, int len) {
            if (this == SHA256) {
                java.security.MessageDigest sha256 = TarIndexer.sha256(); // older lists only: a new instance is fine
                sha256.update(data, off, len);
                return sha256.digest();
            }
            return xxh64Digest(XX.hash(data, off, len, 0L));
        }

        /** An XXH64 value as a block's digest: its 8 bytes, most significant first. */
        static byte[] xxh64Digest(long h) {
            byte[] out = new byte[8];
            for (int i = 7; i >= 0; i--) {
                out[i] = (byte) h;
                h >>>= 8;
            }
            return out;
        }
    }

    /**
     * One entry; {@code sha256} is of the whole file (files only), {@code link} the target of a symlink,
     * {@code blocks} empty for anything but a non-empty file. Files also have the CRC-32C of their bytes (8 hex
     * digits, or null in lists older Keel wrote) and their modification time from the tar (epoch seconds, or -1):
     * what PostgreSQL's own backup_manifest records for a file (see {@link PgBackupManifest}).
     */
    record Entry(String path, Type type, int mode, long size, String sha256, String link, List<Block> blocks,
                 String crc32c, long mtime, int blockSize) {
        Entry {
            blocks = List.copyOf(blocks);
        }

        /** An entry of a list Keel writes now ({@value #BLOCK_SIZE}-byte blocks). */
        Entry(String path, Type type, int mode, long size, String sha256, String link, List<Block> blocks,
              String crc32c, long mtime) {
            this(path, type, mode, size, sha256, link, blocks, crc32c, mtime, BLOCK_SIZE);
        }

        /** A directory, symlink or file without a CRC-32C or modification time. */
        Entry(String path, Type type, int mode, long size, String sha256, String link, List<Block> blocks) {
            this(path, type, mode, size, sha256, link, blocks, null, -1);
        }

        /** How many {@value #BLOCK_SIZE}-byte blocks a file of {@code size} bytes has in a list Keel writes now. */
        static int blockCount(long size) {
            return blockCount(size, BLOCK_SIZE);
        }

        static int blockCount(long size, int blockSize) {
            return (int) ((size + blockSize - 1) / blockSize);
        }

        int blockLength(int index) {
            return (int) Math.min(blockSize, size - (long) index * blockSize);
        }

        /** Where block {@code index} starts in the file. */
        long blockOffset(int index) {
            return (long) index * blockSize;
        }
    }

    private FileList() {
    }

    /** How many problems {@link #check} names before it only counts them. */
    private static final int NAMED_PROBLEMS = 20;

    /**
     * Checks a restored data directory against the list it was restored from: every directory, symlink and file is
     * there, each file with its size and the hash of every block. Returns one line per problem (the first
     * {@value #NAMED_PROBLEMS}, then a count); empty means every byte matches. Files the list does not name are not
     * problems: a restore may add its own (recovery.signal, configuration).
     */
    static List<String> check(Path dataDir, java.util.Collection<Entry> entries) throws IOException {
        List<String> problems = new java.util.ArrayList<>();
        int[] more = {0};
        java.util.function.Consumer<String> problem = p -> {
            if (problems.size() < NAMED_PROBLEMS) {
                problems.add(p);
            } else {
                more[0]++;
            }
        };
        byte[] block = new byte[MAX_BLOCK_SIZE];
        for (Entry e : entries) {
            Path path = RestoreWriter.inside(dataDir, e.path()).orElse(null);
            if (path == null) {
                problem.accept(e.path() + ": outside the data directory");
                continue;
            }
            switch (e.type()) {
                case DIR -> {
                    if (!java.nio.file.Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        problem.accept(e.path() + ": directory missing");
                    }
                }
                case SYMLINK -> {
                    if (!java.nio.file.Files.isSymbolicLink(path)
                            || !java.nio.file.Files.readSymbolicLink(path).toString().equals(e.link())) {
                        problem.accept(e.path() + ": symlink missing or not pointing at " + e.link());
                    }
                }
                case FILE -> checkFile(path, e, block, problem);
            }
        }
        if (more[0] > 0) {
            problems.add("and " + more[0] + " more");
        }
        return problems;
    }

    private static void checkFile(Path path, Entry e, byte[] block, java.util.function.Consumer<String> problem)
            throws IOException {
        if (!java.nio.file.Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            problem.accept(e.path() + ": file missing");
            return;
        }
        long size = java.nio.file.Files.size(path);
        if (size != e.size()) {
            problem.accept(e.path() + ": " + size + " bytes, the backup's file list says " + e.size());
            return;
        }
        int i = matchingBlocks(path, e, block).nextClearBit(0);
        if (i < e.blocks().size()) {
            problem.accept(e.path() + ": block " + i + " (bytes " + e.blockOffset(i) + "-"
                    + (e.blockOffset(i) + e.blockLength(i) - 1) + ") differs from the backup");
        }
    }

    /**
     * The blocks of {@code e} that {@code file} holds as the list has them: whole, at their place, with their hash.
     * {@code block} is a buffer of at least the list's block size.
     */
    static java.util.BitSet matchingBlocks(Path file, Entry e, byte[] block) throws IOException {
        java.util.BitSet matches = new java.util.BitSet(e.blocks().size());
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            long size = ch.size();
            for (int i = 0; i < e.blocks().size() && e.blockOffset(i) + e.blockLength(i) <= size; i++) {
                int length = e.blockLength(i);
                java.nio.ByteBuffer into = java.nio.ByteBuffer.wrap(block, 0, length);
                while (into.hasRemaining() && ch.read(into, e.blockOffset(i) + into.position()) > 0) {
                    // a block at a time
                }
                if (!into.hasRemaining() && e.blocks().get(i).isHashOf(block, 0, length)) {
                    matches.set(i);
                }
            }
        }
        return matches;
    }

    /** Writes the header, then one line per {@link #add}; closing it closes the underlying stream. */
    static final class Writer implements AutoCloseable {
        private final OutputStream out;

        Writer(OutputStream out, String backupId) throws IOException {
            this.out = out;
            ObjectNode header = MAPPER.createObjectNode();
            header.put("format", FORMAT);
            header.put("backupId", backupId);
            header.put("blockSize", BLOCK_SIZE);
            header.put("blockHash", "xxh64");
            line(header);
        }

        void add(Entry e) throws IOException {
            if (e.type() == Type.FILE && e.blockSize() != BLOCK_SIZE) {
                throw new IllegalArgumentException(e.path() + " has " + e.blockSize() + "-byte blocks, this list "
                        + BLOCK_SIZE);
            }
            ObjectNode n = MAPPER.createObjectNode();
            n.put("path", e.path());
            n.put("type", e.type().name().toLowerCase(Locale.ROOT));
            n.put("mode", e.mode());
            switch (e.type()) {
                case DIR -> { }
                case SYMLINK -> n.put("link", e.link());
                case FILE -> {
                    n.put("size", e.size());
                    n.put("sha256", e.sha256());
                    if (e.crc32c() != null) {
                        n.put("crc32c", e.crc32c());
                    }
                    if (e.mtime() >= 0) {
                        n.put("mtime", e.mtime());
                    }
                    ArrayNode blocks = n.putArray("blocks");
                    for (Block b : e.blocks()) {
                        blocks.addArray().add(b.hash()).add(b.holder());
                    }
                }
            }
            line(n);
        }

        private void line(ObjectNode n) throws IOException {
            out.write(MAPPER.writeValueAsBytes(n));
            out.write('\n');
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /** Reads a list written by {@link Writer}, keyed by path in tar order; {@code backupId} names it in errors. */
    static Map<String, Entry> read(InputStream in, String backupId) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> holders = new java.util.HashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String first = r.readLine();
            JsonNode header = first == null ? MAPPER.createObjectNode() : MAPPER.readTree(first);
            String format = header.path("format").asText();
            if (!FORMAT.equals(format) && !FORMAT_SHA256.equals(format)) {
                throw damaged(backupId, "it does not begin with a " + FORMAT + " header", null);
            }
            int blockSize = header.path("blockSize").asInt();
            if (blockSize < 8192 || blockSize > MAX_BLOCK_SIZE || Integer.bitCount(blockSize) != 1) {
                throw damaged(backupId, "block size " + blockSize + ", not a power of two from 8 KiB to 1 MiB", null);
            }
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode n = MAPPER.readTree(line);
                String path = n.path("path").asText("");
                if (path.isEmpty()) {
                    throw damaged(backupId, "an entry has no path", null);
                }
                Type type = Type.valueOf(n.path("type").asText("").toUpperCase(Locale.ROOT));
                List<Block> blocks = new ArrayList<>();
                for (JsonNode b : n.path("blocks")) {
                    String holder = holders.computeIfAbsent(b.path(1).asText(), id -> Names.check("backup id", id));
                    blocks.add(new Block(b.path(0).asText(), holder)); // one string per holder, not per block
                }
                long size = n.path("size").asLong();
                if (type == Type.FILE && blocks.size() != Entry.blockCount(size, blockSize)) {
                    throw damaged(backupId, path + " has " + size + " bytes but " + blocks.size() + " blocks", null);
                }
                entries.put(path, new Entry(path, type, n.path("mode").asInt(), size,
                        n.path("sha256").asText(null), n.path("link").asText(null), blocks,
                        n.path("crc32c").asText(null), n.path("mtime").asLong(-1), blockSize));
            }
            return entries;
        } catch (IOException | IllegalArgumentException e) {
            throw damaged(backupId, e.getMessage(), e);
        }
    }

    private static BackupException damaged(String backupId, String what, Throwable cause) {
        return BackupException.runtime("the file list of backup " + backupId + " is damaged: " + what,
                "run keel backup verify on it; restore from another backup", cause);
    }
}
