package dev.keel.ops.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.core.json.StableJson;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code backups/<id>/manifest.json}: what a reader needs besides the private key. {@code sealedKey} is the
 * data key sealed to {@code keyId}; {@code retiringKeys} is only non-empty in the middle of a rekey.
 */
record Manifest(String backupId, Instant created, SealedKey sealedKey, List<SealedKey> retiringKeys,
                Compression compression, int chunkSize, List<StreamEntry> streams, Map<String, String> metadata) {

    static final String FORMAT = "keel-backup-1";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    record SealedKey(String keyId, byte[] sealed) {
    }

    /**
     * One stream; {@code noncePrefix} is the random first 4 bytes of every chunk nonce of the stream. A stream with a
     * {@code framing} holds bytes that came compressed (zstd frames, from PostgreSQL's server-side
     * compression): its chunks are stored without chunk compression, a reader decompresses the whole stream, and
     * {@code decodedBytes} is its size once decompressed. Without framing, {@code decodedBytes} is -1.
     */
    record StreamEntry(String name, int noncePrefix, List<ChunkEntry> chunks, Framing framing, long decodedBytes) {
        StreamEntry(String name, int noncePrefix, List<ChunkEntry> chunks) {
            this(name, noncePrefix, chunks, null, -1);
        }

        /** What the stream holds before any compression: for a framed stream, its decompressed size. */
        long rawBytes() {
            return framing != null ? decodedBytes : chunks.stream().mapToLong(ChunkEntry::size).sum();
        }

        /** How its chunks were compressed: not at all when the stream came compressed. */
        Compression chunkCompression(Compression backup) {
            return framing != null ? Compression.NONE : backup;
        }

        long storedBytes() {
            return chunks.stream().mapToLong(ChunkEntry::storedSize).sum();
        }
    }

    record ChunkEntry(long index, int size, int storedSize, String sha256) {
    }

    String keyId() {
        return sealedKey.keyId();
    }

    long rawBytes() {
        return streams.stream().mapToLong(StreamEntry::rawBytes).sum();
    }

    long storedBytes() {
        return streams.stream().mapToLong(StreamEntry::storedBytes).sum();
    }

    Manifest withSealedKey(SealedKey key, List<SealedKey> retiring) {
        return new Manifest(backupId, created, key, List.copyOf(retiring), compression, chunkSize, streams, metadata);
    }

    void write(Repository repository) {
        StringWriter out = new StringWriter();
        StableJson.write(toJson(), out);
        repository.put(Names.manifest(backupId), out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private Map<String, Object> toJson() {
        Base64.Encoder b64 = Base64.getEncoder();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("backupId", backupId);
        root.put("created", created.toString());
        root.put("keyId", sealedKey.keyId());
        root.put("sealedDataKey", b64.encodeToString(sealedKey.sealed()));
        if (!retiringKeys.isEmpty()) {
            List<Map<String, Object>> retiring = new ArrayList<>();
            for (SealedKey k : retiringKeys) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("keyId", k.keyId());
                m.put("sealedDataKey", b64.encodeToString(k.sealed()));
                retiring.add(m);
            }
            root.put("retiringKeys", retiring);
        }
        root.put("compression", compression.id());
        root.put("chunkSize", chunkSize);
        root.put("rawBytes", rawBytes());
        root.put("storedBytes", storedBytes());
        List<Map<String, Object>> streamList = new ArrayList<>();
        for (StreamEntry s : streams) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("noncePrefix", String.format("%08x", s.noncePrefix()));
            m.put("rawBytes", s.rawBytes());
            m.put("storedBytes", s.storedBytes());
            if (s.framing() != null) {
                m.put("framing", s.framing().id());
                m.put("decodedBytes", s.decodedBytes());
            }
            List<Map<String, Object>> chunks = new ArrayList<>();
            for (ChunkEntry c : s.chunks()) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("index", c.index());
                cm.put("size", c.size());
                cm.put("storedSize", c.storedSize());
                cm.put("sha256", c.sha256());
                chunks.add(cm);
            }
            m.put("chunks", chunks);
            streamList.add(m);
        }
        root.put("streams", streamList);
        root.put("metadata", new java.util.TreeMap<>(metadata));
        return root;
    }

    /**
     * The {@code COMPLETE} marker's content: the backup's sizes and metadata, a few hundred bytes. Listing backups
     * reads it instead of the manifest, whose chunk list grows with the backup (a terabyte in 4 MiB chunks is a
     * manifest of tens of megabytes). Written once, with the manifest; a rekey changes neither.
     */
    byte[] summary() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("backupId", backupId);
        root.put("rawBytes", rawBytes());
        root.put("storedBytes", storedBytes());
        root.put("metadata", new java.util.TreeMap<>(metadata));
        StringWriter out = new StringWriter();
        StableJson.write(root, out);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The metadata, {@code rawBytes} and {@code storedBytes} of a complete backup from its {@code COMPLETE}
     * marker; empty when the marker holds no summary (backups taken before it did) or a damaged one, and the
     * caller reads the manifest.
     */
    static java.util.Optional<Map<String, String>> readSummary(Repository repository, String backupId) {
        byte[] bytes = repository.get(Names.complete(backupId)).orElse(null);
        if (bytes == null || bytes.length == 0 || bytes[0] != '{') {
            return java.util.Optional.empty();
        }
        try {
            JsonNode root = MAPPER.readTree(bytes);
            if (!FORMAT.equals(text(root, "format")) || !backupId.equals(text(root, "backupId"))
                    || !root.path("rawBytes").canConvertToLong() || !root.path("storedBytes").canConvertToLong()) {
                return java.util.Optional.empty();
            }
            Map<String, String> out = new LinkedHashMap<>();
            root.path("metadata").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            out.put("rawBytes", String.valueOf(root.path("rawBytes").asLong()));
            out.put("storedBytes", String.valueOf(root.path("storedBytes").asLong()));
            return java.util.Optional.of(out);
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    static Manifest read(Repository repository, String backupId) {
        Names.check("backup id", backupId);
        byte[] bytes = repository.get(Names.manifest(backupId)).orElseThrow(() -> BackupException.usage(
                "backup " + backupId + " has no manifest", "run keel backup list to see which exist and are complete"));
        try {
            JsonNode root = MAPPER.readTree(bytes);
            if (!FORMAT.equals(text(root, "format"))) {
                throw new IOException("format is not " + FORMAT);
            }
            if (!backupId.equals(text(root, "backupId"))) {
                throw new IOException("it names backup " + text(root, "backupId"));
            }
            Base64.Decoder b64 = Base64.getDecoder();
            SealedKey sealed = new SealedKey(text(root, "keyId"), b64.decode(text(root, "sealedDataKey")));
            List<SealedKey> retiring = new ArrayList<>();
            for (JsonNode k : root.path("retiringKeys")) {
                retiring.add(new SealedKey(text(k, "keyId"), b64.decode(text(k, "sealedDataKey"))));
            }
            List<StreamEntry> streams = new ArrayList<>();
            for (JsonNode s : root.path("streams")) {
                List<ChunkEntry> chunks = new ArrayList<>();
                for (JsonNode c : s.path("chunks")) {
                    chunks.add(new ChunkEntry(c.path("index").asLong(), c.path("size").asInt(),
                            c.path("storedSize").asInt(), text(c, "sha256")));
                }
                Framing framing = s.hasNonNull("framing") ? Framing.fromId(text(s, "framing")) : null;
                streams.add(new StreamEntry(Names.check("stream name", text(s, "name")),
                        Integer.parseUnsignedInt(text(s, "noncePrefix"), 16), List.copyOf(chunks), framing,
                        framing == null ? -1 : s.path("decodedBytes").asLong(-1)));
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            root.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
            return new Manifest(backupId, Instant.parse(text(root, "created")), sealed, List.copyOf(retiring),
                    Compression.fromId(text(root, "compression")), root.path("chunkSize").asInt(),
                    List.copyOf(streams), Map.copyOf(metadata));
        } catch (IOException | RuntimeException e) {
            if (e instanceof BackupException be) {
                throw be;
            }
            throw BackupException.runtime("the manifest of backup " + backupId + " is damaged: " + e.getMessage(),
                    "restore from another backup", e);
        }
    }

    private static String text(JsonNode node, String field) throws IOException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IOException("missing field " + field);
        }
        return value.asText();
    }
}
