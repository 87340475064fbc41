package dev.keel.schema.migrate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Flyway's migration checksum, so histories move between Flyway and Keel: a CRC32 over the UTF-8 bytes of
 * each line without its line terminator (a byte-order mark on the first line is dropped), read as a signed
 * 32-bit integer. Line endings therefore do not change the checksum; any other edit does.
 */
final class Checksums {

    private Checksums() {
    }

    static int of(String content) {
        CRC32 crc = new CRC32();
        try (BufferedReader reader = new BufferedReader(new StringReader(content))) {
            String line = reader.readLine();
            if (line != null) {
                if (!line.isEmpty() && line.charAt(0) == '\uFEFF') {
                    line = line.substring(1);
                }
                do {
                    crc.update(line.getBytes(StandardCharsets.UTF_8));
                } while ((line = reader.readLine()) != null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return (int) crc.getValue();
    }
}
