package dev.keel.ops.insight;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * What Keel can learn about the machine the server runs on: its RAM (told with --memory, or read from
 * /proc/meminfo and the cgroup limit when the server runs here) and whether its data directory is on a
 * rotating disk (from /sys/dev/block, when the server runs here and its data directory is visible).
 *
 * @param memoryBytes  RAM, when known
 * @param memorySource where the RAM figure came from ("--memory", "/proc/meminfo", "cgroup memory.max"), or why it
 *                     is unknown
 * @param rotational   "yes", "no" or "unknown"
 * @param disk         the block device of the data directory, or why it is unknown
 */
record Machine(OptionalLong memoryBytes, String memorySource, String rotational, String disk) {

    static Machine detect(boolean local, OptionalLong told, String dataDirectory) {
        OptionalLong memory = told;
        String source = "--memory";
        if (told.isEmpty()) {
            if (local) {
                long mem = memTotal(Path.of("/proc/meminfo"));
                source = "/proc/meminfo";
                long limit = cgroupLimit();
                if (limit > 0 && (mem <= 0 || limit < mem)) {
                    mem = limit;
                    source = "cgroup memory.max";
                }
                memory = mem > 0 ? OptionalLong.of(mem) : OptionalLong.empty();
                if (mem <= 0) {
                    source = "unknown: /proc/meminfo not readable; pass --memory SIZE";
                }
            } else {
                source = "unknown: the server is not on this machine; pass --memory SIZE";
            }
        }
        String rotational = "unknown";
        String disk = "unknown: the server is not on this machine";
        if (local && dataDirectory != null) {
            String[] r = rotational(Path.of(dataDirectory));
            rotational = r[0];
            disk = r[1];
        } else if (local) {
            disk = "unknown: this role cannot read data_directory";
        }
        return new Machine(memory, source, rotational, disk);
    }

    static long memTotal(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    String[] parts = line.substring(9).strip().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return -1;
    }

    /** cgroup v2's memory.max (or v1's limit) when a container limit is set; -1 otherwise. */
    private static long cgroupLimit() {
        for (String file : new String[]{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
            try {
                String v = Files.readString(Path.of(file)).strip();
                if (!v.equals("max")) {
                    long bytes = Long.parseLong(v);
                    // v1 reports "no limit" as a huge page-aligned number
                    if (bytes > 0 && bytes < (1L << 50)) {
                        return bytes;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no such limit here
            }
        }
        return -1;
    }

    /**
     * The device of the file system holding {@code dir} (st_dev, decoded as glibc's major/minor) and its
     * queue/rotational flag; a partition's flag is on its parent disk. Overlay and other virtual file systems
     * have no block device: unknown.
     */
    private static String[] rotational(Path dir) {
        try {
            Object dev = Files.getAttribute(dir, "unix:dev");
            long d = ((Number) dev).longValue();
            long major = ((d >>> 8) & 0xfff) | ((d >>> 32) & ~0xfffL);
            long minor = (d & 0xff) | ((d >>> 12) & ~0xffL);
            Path sys = Path.of("/sys/dev/block/" + major + ":" + minor);
            if (!Files.exists(sys)) {
                return new String[]{"unknown", "unknown: no block device for " + dir + " (device " + major + ":" + minor + ")"};
            }
            Path real = sys.toRealPath();
            for (Path p : new Path[]{real, real.getParent()}) {
                Path flag = p.resolve("queue/rotational");
                if (Files.isRegularFile(flag)) {
                    String v = Files.readString(flag).strip();
                    return new String[]{v.equals("0") ? "no" : v.equals("1") ? "yes" : "unknown", real.getFileName().toString()};
                }
            }
            return new String[]{"unknown", real.getFileName().toString()};
        } catch (IOException | RuntimeException e) {
            return new String[]{"unknown", "unknown: " + e.getMessage()};
        }
    }
}
