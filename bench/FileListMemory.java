package dev.keel.ops.backup;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The memory a file list takes while Keel holds it (an incremental holds its parent's; a restore its target's): a
 * synthetic list of FILES files of 1 GiB each (4,096 blocks of 256 KiB, one in seven held by an incremental) is
 * written with FileList.Writer, read back with FileList.read, and the heap measured after a GC before and after.
 * In Keel's package, for its package-private list classes; run by bench/file-list-memory.sh.
 */
public final class FileListMemory {
    public static void main(String[] args) throws Exception {
        int files = Integer.parseInt(args[0]);
        int blocksPerFile = (1 << 30) / FileList.BLOCK_SIZE;
        File f = File.createTempFile("keel-list", ".txt");
        f.deleteOnExit();
        Random random = new Random(1);
        try (FileList.Writer w = new FileList.Writer(new BufferedOutputStream(new FileOutputStream(f)), "20261126T000000Z-full")) {
            for (int i = 0; i < files; i++) {
                List<FileList.Block> blocks = new ArrayList<>(blocksPerFile);
                for (int b = 0; b < blocksPerFile; b++) {
                    blocks.add(new FileList.Block(String.format("%016x", random.nextLong()),
                            b % 7 == 0 ? "20261126T000001Z-incr" : "20261126T000000Z-full"));
                }
                w.add(new FileList.Entry("base/16384/" + (100000 + i), FileList.Type.FILE, 0600,
                        (long) blocksPerFile * FileList.BLOCK_SIZE, "0".repeat(64), null, blocks, "00000000", 0));
            }
        }
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long before = rt.totalMemory() - rt.freeMemory();
        long t = System.nanoTime();
        Map<String, FileList.Entry> list;
        try (InputStream in = new BufferedInputStream(new FileInputStream(f))) {
            list = FileList.read(in, "20261126T000000Z-full");
        }
        long millis = (System.nanoTime() - t) / 1_000_000;
        System.gc();
        long after = rt.totalMemory() - rt.freeMemory();
        long blocks = (long) files * blocksPerFile;
        System.out.printf("%d files, %d blocks (%d GiB of data): list %d MB of text, read in %d ms into %d MB of heap"
                        + " (%.0f bytes a block)%n", list.size(), blocks, files, f.length() / 1_000_000, millis,
                (after - before) / 1_000_000, (after - before) * 1.0 / blocks);
    }
}
