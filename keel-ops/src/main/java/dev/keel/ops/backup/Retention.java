package dev.keel.ops.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which backups and archived WAL a retention policy keeps, and the deletion of the rest
 * ({@code keel backup expire}). {@link #plan} only reads; {@link #apply} deletes what a plan says.
 *
 * <p>Implementation notes. Only complete physical backups (type {@code full} or {@code incr}) whose parent
 * chain reaches a complete full backup take part; dumps, incomplete backups, unreadable manifests, unknown
 * types and incrementals with a broken chain are left alone and the plan says why. The kept set is the union of
 * <ul>
 *   <li>the newest N full backups (by id, which sorts by time) and every incremental whose chain leads to one;
 *   <li>for a window W: the newest backup whose stopTime is at or before {@code now - W} (recovery to the
 *       window's start replays WAL from it) and every backup that stopped after it;
 * </ul>
 * closed under "parent of": an incremental is never kept without its whole chain. Everything else that takes
 * part is deleted.
 *
 * <p>WAL: a segment (24 hex digits: timeline, log, seg) is deleted only when it sorts before the start of
 * every kept physical backup: its timeline is at most the backup's and its log+seg part is lower than the
 * backup's {@code startWal}. With the usual history this is "before the oldest kept backup's startWal on its
 * timeline and every older one"; taking every kept backup into account keeps the rule safe when backups of
 * different timelines are kept. {@code .history} files are never deleted; {@code .backup} labels and
 * {@code .partial} files follow the segment their name starts with; other names are left alone. Without a
 * kept physical backup, or when one does not record where its WAL starts, no WAL is deleted.
 *
 * <p>Deleting a backup deletes its {@code COMPLETE} marker first, so a crash part-way leaves an incomplete
 * backup (which the cleanup before the next backup removes), never a complete one with parts missing.
 * Backups are deleted newest first, so a crash never leaves an incremental whose parent is gone while it is
 * still complete; WAL is deleted after the backups, oldest first, so what is left stays contiguous.
 */
public final class Retention {

    /** Segments are 16 MiB: PostgreSQL's default, the only size Keel's archive expects. */
    private static final long SEGMENT_BYTES = 16L * 1024 * 1024;
    private static final String WAL = "wal/";
    private static final Pattern SEGMENT = Pattern.compile("([0-9A-Fa-f]{8})([0-9A-Fa-f]{16})(\\..+)?");
    private static final String WAL_HEADER = ".json";
    private static final Pattern HISTORY = Pattern.compile("[0-9A-Fa-f]{8}\\.history");

    private Retention() {
    }

    /**
     * What to keep: the newest {@code keepFull} full backups, a point-in-time recovery {@code window}, both
     * (their union is kept) or neither (everything is kept).
     */
    public record Policy(OptionalInt keepFull, Optional<Duration> window) {

        public Policy {
            Objects.requireNonNull(keepFull, "null keepFull");
            Objects.requireNonNull(window, "null window");
            if (keepFull.isPresent() && keepFull.getAsInt() < 1) {
                throw new IllegalArgumentException("keepFull must be 1 or more, was " + keepFull.getAsInt());
            }
            if (window.isPresent() && (window.get().isNegative() || window.get().isZero())) {
                throw new IllegalArgumentException("window must be positive, was " + window.get());
            }
        }

        /** Keeps everything. */
        public static Policy none() {
            return new Policy(OptionalInt.empty(), Optional.empty());
        }

        public Policy withKeepFull(int n) {
            return new Policy(OptionalInt.of(n), window);
        }

        public Policy withWindow(Duration w) {
            return new Policy(keepFull, Optional.of(Objects.requireNonNull(w, "null window")));
        }

        /** True when neither a count nor a window is set: nothing is deleted. */
        public boolean isNone() {
            return keepFull.isEmpty() && window.isEmpty();
        }

        /** "the newest 2 full backups and a 7d recovery window", for messages. */
        public String describe() {
            List<String> parts = new ArrayList<>();
            keepFull.ifPresent(n -> parts.add(n == 1 ? "the newest full backup" : "the newest " + n + " full backups"));
            window.ifPresent(w -> parts.add("a " + format(w) + " recovery window"));
            return parts.isEmpty() ? "everything (no policy)" : String.join(" and ", parts);
        }
    }

    /**
     * What happens to one backup, and why.
     *
     * @param type        {@code full}, {@code incr}, {@code dump}, another type, or {@code ""} when unknown
     * @param storedBytes the stored size of its chunks, 0 when unknown
     */
    public record Decision(String id, String type, boolean keep, String reason, long storedBytes) {
    }

    /**
     * Consecutive objects under {@code wal/} with one fate: {@code first} to {@code last} (file names),
     * {@code objects} of them, and for a deleted range the bytes it frees (0 for a kept one).
     */
    public record WalRange(String first, String last, int objects, boolean keep, String reason, long bytes) {
    }

    /** What {@link #apply} removed. */
    public record Result(List<String> deletedBackups, int walDeleted, long freedBytes) {
    }

    /** What a policy keeps and deletes in one repository at one moment; made by {@link #plan}. */
    public static final class Plan {
        private final Policy policy;
        private final Instant now;
        private final List<Decision> backups;
        private final List<WalRange> wal;
        private final List<String> walDeletions;

        private Plan(Policy policy, Instant now, List<Decision> backups, List<WalRange> wal, List<String> walDeletions) {
            this.policy = policy;
            this.now = now;
            this.backups = List.copyOf(backups);
            this.wal = List.copyOf(wal);
            this.walDeletions = List.copyOf(walDeletions);
        }

        public Policy policy() {
            return policy;
        }

        public Instant now() {
            return now;
        }

        /** Every backup in the repository, sorted by id, with its fate. */
        public List<Decision> backups() {
            return backups;
        }

        public List<Decision> kept() {
            return backups.stream().filter(Decision::keep).toList();
        }

        public List<Decision> deleted() {
            return backups.stream().filter(d -> !d.keep()).toList();
        }

        /** The objects under {@code wal/}, in name order, grouped into ranges with one fate and reason. */
        public List<WalRange> wal() {
            return wal;
        }

        /** The WAL objects to delete, as repository paths, oldest first. */
        public List<String> walDeletions() {
            return walDeletions;
        }

        public int walDeleted() {
            return walDeletions.size();
        }

        public int walKept() {
            return wal.stream().filter(WalRange::keep).mapToInt(WalRange::objects).sum();
        }

        /** The stored bytes of the deleted backups plus the bytes of the deleted WAL objects. */
        public long freedBytes() {
            return deleted().stream().mapToLong(Decision::storedBytes).sum()
                    + wal.stream().filter(r -> !r.keep()).mapToLong(WalRange::bytes).sum();
        }
    }

    /** One complete full or incremental backup. {@code start} is null when its metadata does not say. */
    private record Physical(String id, String type, String parent, Instant stopTime, WalStart start, long storedBytes) {
        boolean isFull() {
            return type.equals("full");
        }
    }

    /** Where a backup's WAL starts: its timeline and the 16-hex-digit log+seg part of {@code startWal}. */
    private record WalStart(long timeline, String position) {
        String segment() {
            return String.format("%08X", timeline) + position;
        }
    }

    /** Decides, without changing anything, what {@code policy} keeps and deletes at {@code now}. */
    public static Plan plan(Repository repository, Policy policy, Instant now) {
        Objects.requireNonNull(repository, "null repository");
        Objects.requireNonNull(policy, "null policy");
        Objects.requireNonNull(now, "null now");

        Map<String, Decision> decided = new TreeMap<>();
        Map<String, Physical> physical = new TreeMap<>();
        for (BackupCatalog.Backup b : BackupCatalog.list(repository)) {
            if (b.status() == BackupCatalog.Status.INCOMPLETE) {
                decided.put(b.id(), new Decision(b.id(), "", true,
                        "incomplete: not counted by retention; the cleanup before the next backup removes it", 0));
                continue;
            }
            Map<String, String> meta;
            try {
                meta = BackupReader.metadataOf(repository, b.id());
            } catch (BackupException e) {
                decided.put(b.id(), new Decision(b.id(), "", true, "left alone: " + e.getMessage(), 0));
                continue;
            }
            String type = meta.getOrDefault("type", "full"); // as keel backup list: the first backups had no type
            long stored = parseLong(meta.get("storedBytes"));
            switch (type) {
                case "full", "incr" -> physical.put(b.id(), new Physical(b.id(), type, meta.get("parent"),
                        parseInstant(meta.get("stopTime")), walStart(meta), stored));
                case "dump" -> decided.put(b.id(), new Decision(b.id(), type, true,
                        "a dump: physical retention does not touch dumps", stored));
                default -> decided.put(b.id(), new Decision(b.id(), type, true,
                        "type '" + type + "' is not a physical backup: left alone", stored));
            }
        }

        // Each backup's chain down to its full backup; an incremental without one is left alone.
        Map<String, List<Physical>> chains = new TreeMap<>();
        for (Physical p : physical.values()) {
            List<Physical> chain = chain(p, physical);
            if (chain == null) {
                decided.put(p.id(), new Decision(p.id(), p.type(), true, "left alone: its chain of parents ("
                        + p.parent() + ") does not reach a complete full backup, so it cannot be restored", p.storedBytes()));
            } else {
                chains.put(p.id(), chain);
            }
        }

        Map<String, List<String>> keep = new LinkedHashMap<>();
        if (policy.isNone()) {
            chains.keySet().forEach(id -> keep.computeIfAbsent(id, k -> new ArrayList<>())
                    .add("no retention policy (backup.retention.full, backup.retention.window): everything is kept"));
        }
        policy.keepFull().ifPresent(n -> {
            List<String> newestFulls = chains.keySet().stream().filter(id -> physical.get(id).isFull())
                    .sorted(Comparator.reverseOrder()).limit(n).toList();
            String rule = n == 1 ? "the newest full backup" : "one of the newest " + n + " full backups";
            for (String id : newestFulls) {
                keep.computeIfAbsent(id, k -> new ArrayList<>()).add(rule);
            }
            for (Map.Entry<String, List<Physical>> e : chains.entrySet()) {
                String root = e.getValue().get(e.getValue().size() - 1).id();
                if (!e.getKey().equals(root) && newestFulls.contains(root)) {
                    keep.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add("builds on kept full backup " + root);
                }
            }
        });
        Optional<Physical> windowBase = Optional.empty();
        if (policy.window().isPresent()) {
            Instant cutoff = now.minus(policy.window().get());
            String w = format(policy.window().get());
            String start = cutoff.truncatedTo(ChronoUnit.SECONDS).toString();
            windowBase = chains.keySet().stream().map(physical::get)
                    .filter(p -> p.stopTime() != null && !p.stopTime().isAfter(cutoff))
                    .max(Comparator.comparing(Physical::stopTime).thenComparing(Physical::id));
            for (String id : chains.keySet()) {
                Physical p = physical.get(id);
                String why;
                if (windowBase.isPresent() && p == windowBase.get()) {
                    why = "the newest backup that ended before " + start + ": recovery to the start of the " + w
                            + " window begins from it";
                } else if (p.stopTime() == null) {
                    why = "its stop time is not recorded: kept for the " + w + " window";
                } else if (windowBase.isEmpty() || p.stopTime().isAfter(windowBase.get().stopTime())) {
                    why = "ended within the " + w + " recovery window (after " + start + ")";
                } else {
                    continue;
                }
                keep.computeIfAbsent(id, k -> new ArrayList<>()).add(why);
            }
        }
        // An incremental is never kept without its whole chain.
        for (String id : List.copyOf(keep.keySet())) {
            for (Physical parent : chains.get(id).subList(1, chains.get(id).size())) {
                List<String> reasons = keep.computeIfAbsent(parent.id(), k -> new ArrayList<>());
                if (reasons.isEmpty()) {
                    reasons.add("a parent of kept incremental " + id);
                }
            }
        }

        for (String id : chains.keySet()) {
            Physical p = physical.get(id);
            if (keep.containsKey(id)) {
                decided.put(id, new Decision(id, p.type(), true, String.join("; ", keep.get(id)), p.storedBytes()));
            } else {
                decided.put(id, new Decision(id, p.type(), false, deleteReason(p, chains.get(id), policy, windowBase),
                        p.storedBytes()));
            }
        }

        List<Physical> kept = chains.keySet().stream().filter(keep::containsKey).map(physical::get).toList();
        List<String> walPaths = repository.list(WAL);
        List<WalRange> ranges = new ArrayList<>();
        List<String> deletions = new ArrayList<>();
        walPlan(repository, walPaths, kept, policy, ranges, deletions);
        return new Plan(policy, now, List.copyOf(decided.values()), ranges, deletions);
    }

    /**
     * Deletes what {@code plan} deletes: each backup's COMPLETE marker first, then the rest of it, newest backup
     * first; then the WAL objects, oldest first. Assumes no other expire runs at the same time.
     */
    public static Result apply(Repository repository, Plan plan) {
        Objects.requireNonNull(repository, "null repository");
        Objects.requireNonNull(plan, "null plan");
        List<Decision> doomed = new ArrayList<>(plan.deleted());
        doomed.sort(Comparator.comparing(Decision::id).reversed());
        List<String> deleted = new ArrayList<>();
        for (Decision d : doomed) {
            repository.delete(Names.complete(d.id()));
            for (String path : repository.list(Names.dir(d.id()))) {
                repository.delete(path);
            }
            deleted.add(d.id());
        }
        for (String path : plan.walDeletions()) {
            // The header first: without it the file is no longer listed as archived (see WalArchive).
            repository.delete(path + WAL_HEADER);
            repository.delete(path);
        }
        Collections.reverse(deleted);
        return new Result(List.copyOf(deleted), plan.walDeleted(), plan.freedBytes());
    }

    /** The backup and its parents down to a full backup, or null when the chain is broken or loops. */
    private static List<Physical> chain(Physical p, Map<String, Physical> physical) {
        List<Physical> chain = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Physical at = p;
        while (at != null && seen.add(at.id())) {
            chain.add(at);
            if (at.isFull()) {
                return chain;
            }
            at = at.parent() == null ? null : physical.get(at.parent());
        }
        return null;
    }

    private static String deleteReason(Physical p, List<Physical> chain, Policy policy, Optional<Physical> windowBase) {
        List<String> parts = new ArrayList<>();
        policy.keepFull().ifPresent(n -> {
            String rule = n == 1 ? "the newest full backup" : "the newest " + n + " full backups";
            parts.add(p.isFull() ? "not " + (n == 1 ? "" : "among ") + rule
                    : "builds on full backup " + chain.get(chain.size() - 1).id() + ", which is not " + (n == 1 ? "" : "among ") + rule);
        });
        policy.window().ifPresent(w -> parts.add(windowBase.isPresent()
                ? "older than the " + format(w) + " window needs (recovery to its start begins from " + windowBase.get().id() + ")"
                : "not needed for the " + format(w) + " window"));
        return String.join("; ", parts);
    }

    private static void walPlan(Repository repository, List<String> paths, List<Physical> kept, Policy policy,
                                List<WalRange> ranges, List<String> deletions) {
        String leaveAll = null;
        if (policy.isNone()) {
            leaveAll = "no retention policy: WAL is left alone";
        } else if (kept.isEmpty()) {
            leaveAll = "no physical backup is kept: WAL is left alone";
        } else {
            for (Physical p : kept) {
                if (p.start() == null) {
                    leaveAll = "kept backup " + p.id() + " does not record where its WAL starts: WAL is left alone";
                    break;
                }
            }
        }
        Physical oldest = kept.isEmpty() ? null : kept.get(0); // ids sort by time
        List<String> history = new ArrayList<>();
        List<String> others = new ArrayList<>();
        RangeBuilder segments = new RangeBuilder(ranges);
        for (String path : paths) {
            String name = path.substring(WAL.length());
            if (name.endsWith(WAL_HEADER)) {
                continue; // WalArchive's header of the file beside it; it shares the file's fate
            }
            Matcher m = SEGMENT.matcher(name);
            if (HISTORY.matcher(name).matches()) {
                history.add(name);
            } else if (name.contains("/") || !m.matches()) {
                others.add(name);
            } else if (leaveAll != null) {
                segments.add(name, true, leaveAll, 0);
            } else {
                long timeline = Long.parseLong(m.group(1), 16);
                String position = m.group(2).toUpperCase(Locale.ROOT);
                boolean beforeAll = kept.stream().allMatch(k -> timeline <= k.start().timeline()
                        && position.compareTo(k.start().position()) < 0);
                if (beforeAll) {
                    segments.add(name, false, "before the oldest kept backup " + oldest.id() + " (its WAL starts at "
                            + oldest.start().segment() + ")", size(repository, path) + size(repository, path + WAL_HEADER));
                    deletions.add(path);
                } else {
                    boolean atOrAfter = kept.stream().anyMatch(k -> position.compareTo(k.start().position()) >= 0);
                    segments.add(name, true, atOrAfter
                            ? "needed by the kept backups (from " + oldest.start().segment() + " on)"
                            : "timeline " + timeline + " is later than the kept backups'", 0);
                }
            }
        }
        segments.flush();
        if (!history.isEmpty()) {
            ranges.add(new WalRange(history.get(0), history.get(history.size() - 1), history.size(), true,
                    "timeline history files are never deleted", 0));
        }
        if (!others.isEmpty()) {
            ranges.add(new WalRange(others.get(0), others.get(others.size() - 1), others.size(), true,
                    "not WAL file names: left alone", 0));
        }
    }

    /** Groups consecutive WAL objects with the same fate and reason into one range. */
    private static final class RangeBuilder {
        private final List<WalRange> out;
        private String first;
        private String last;
        private int count;
        private boolean keep;
        private String reason;
        private long bytes;

        RangeBuilder(List<WalRange> out) {
            this.out = out;
        }

        void add(String name, boolean keepIt, String why, long size) {
            if (first != null && (keepIt != keep || !why.equals(reason))) {
                flush();
            }
            if (first == null) {
                first = name;
                keep = keepIt;
                reason = why;
            }
            last = name;
            count++;
            bytes += size;
        }

        void flush() {
            if (first != null) {
                out.add(new WalRange(first, last, count, keep, reason, bytes));
            }
            first = null;
            count = 0;
            bytes = 0;
        }
    }

    /** {@code startWal} from the metadata, else computed from {@code timeline} and {@code startLsn}; null if neither. */
    private static WalStart walStart(Map<String, String> meta) {
        String startWal = meta.get("startWal");
        if (startWal != null) {
            Matcher m = SEGMENT.matcher(startWal.strip());
            if (m.matches() && m.group(3) == null) {
                return new WalStart(Long.parseLong(m.group(1), 16), m.group(2).toUpperCase(Locale.ROOT));
            }
        }
        String timeline = meta.get("timeline");
        String lsn = meta.get("startLsn");
        if (timeline == null || lsn == null) {
            return null;
        }
        try {
            long tl = Long.parseLong(timeline.strip());
            if (tl < 1 || tl > 0xFFFFFFFFL) {
                return null;
            }
            String segment = WalArchive.segmentName((int) tl, WalArchive.parseLsn(lsn.strip()), SEGMENT_BYTES);
            return new WalStart(tl, segment.substring(8));
        } catch (NumberFormatException | BackupException e) {
            return null;
        }
    }

    private static long size(Repository repository, String path) {
        if (repository instanceof LocalRepository local) {
            try {
                return Files.size(local.root().resolve(path));
            } catch (IOException e) {
                return 0;
            }
        }
        return repository.get(path).map(b -> (long) b.length).orElse(0L);
    }

    private static Instant parseInstant(String text) {
        try {
            return text == null || text.isBlank() ? null : Instant.parse(text.strip());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static long parseLong(String text) {
        try {
            return text == null ? 0 : Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A duration as keel.yaml writes it: 7d, 36h, 90m or 45s. */
    static String format(Duration d) {
        long s = d.toSeconds();
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3_600 == 0) {
            return s / 3_600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
