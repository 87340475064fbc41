package dev.keel.ops.backup;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads pg_basebackup's tar stream once, block by block (hashed with XXH64, see {@link FileList.BlockHash}), and
 * turns it into {@link FileList} entries, asking a
 * {@link BlockPolicy} which backup holds each block. Only one block is in memory at a time.
 */
final class TarIndexer {

    /** Decides, for each block as it is read, which backup holds its bytes (and stores them if this one does). */
    interface BlockPolicy {
        String holder(String path, int index, String hash, byte[] block, int length) throws IOException;
    }

    private TarIndexer() {
    }

    /**
     * Indexes every entry of {@code tar}, handing each to {@code sink} once its last block is read. Hard links,
     * devices and FIFOs are refused: pg_basebackup never sends them.
     */
    static void index(InputStream tar, BlockPolicy policy, EntrySink sink) throws IOException {
        byte[] block = new byte[FileList.BLOCK_SIZE];
        MessageDigest whole = sha256();
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C(); // for PostgreSQL's manifest: cheap (CPU instructions)
        HexFormat hex = HexFormat.of();
        TarArchiveInputStream in = new TarArchiveInputStream(tar); // not closed: the caller owns the stream
        TarArchiveEntry e;
        while ((e = in.getNextEntry()) != null) {
            String path = e.getName();
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            if (e.isDirectory()) {
                sink.accept(new FileList.Entry(path, FileList.Type.DIR, e.getMode(), 0, null, null, List.of()));
            } else if (e.isSymbolicLink()) {
                sink.accept(new FileList.Entry(path, FileList.Type.SYMLINK, e.getMode(), 0, null, e.getLinkName(),
                        List.of()));
            } else if (e.isFile() && !e.isLink()) {
                long size = e.getSize();
                int count = FileList.Entry.blockCount(size);
                List<FileList.Block> blocks = new ArrayList<>(count);
                whole.reset();
                crc.reset();
                for (int i = 0; i < count; i++) {
                    int length = (int) Math.min(FileList.BLOCK_SIZE, size - (long) i * FileList.BLOCK_SIZE);
                    if (in.readNBytes(block, 0, length) != length) {
                        throw new IOException("the tar stream ended inside " + path);
                    }
                    crc.update(block, 0, length);
                    byte[] digest = FileList.BlockHash.XXH64.digest(block, 0, length);
                    whole.update(digest); // a file's hash is the hash of its blocks' hashes: one pass over the data
                    String sha = hex.formatHex(digest);
                    blocks.add(new FileList.Block(sha, policy.holder(path, i, sha, block, length)));
                }
                sink.accept(new FileList.Entry(path, FileList.Type.FILE, e.getMode(), size, hex.formatHex(whole.digest()),
                        null, blocks, PgBackupManifest.checksum(crc), e.getModTime().getTime() / 1000));
            } else {
                throw new IOException("unexpected tar entry " + path + " (neither file, directory nor symlink)");
            }
        }
        java.util.Arrays.fill(block, (byte) 0);
    }

    /** Receives each finished entry. */
    interface EntrySink {
        void accept(FileList.Entry entry) throws IOException;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
