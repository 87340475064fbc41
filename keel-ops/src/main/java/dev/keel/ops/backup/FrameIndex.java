package dev.keel.ops.backup;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where each frame of a full backup's tar lies, in the tar and in the stored stream. {@link DirectBackup} compresses
 * each piece of the tar into a frame of its own and stores the frames one after the other, so a frame can be decoded
 * without the ones before it: a chain or delta restore that needs only some blocks of a full backup fetches, decrypts
 * and decompresses only the frames holding them ({@link ChainRestore}). Stored beside the tar as stream
 * {@value #STREAM}; backups taken through pg_basebackup have none (the server's compression is one long frame).
 *
 * <p>The format is text: the line {@code keel-frames 1}, the number of frames, then per frame its length in the tar
 * and its stored length (equal when the backup is not compressed), separated by a space.
 */
final class FrameIndex {

    /** The stream a full backup's index is stored in. */
    static final String STREAM = "base.tar.frames";
    private static final String HEADER = "keel-frames 1";
    /** No frame decodes to more than this: Keel writes pieces of 4 MiB and their headers. */
    private static final int MAX_RAW = 64 << 20;

    private int count;
    private int[] raw = new int[256];
    private int[] stored = new int[256];
    // prefix sums, built by offsets()
    private long[] tarAt;
    private long[] storedAt;

    /** Records the next frame: {@code rawLength} tar bytes stored in {@code storedLength} bytes. */
    void add(int rawLength, int storedLength) {
        if (rawLength <= 0 || rawLength > MAX_RAW || storedLength <= 0) {
            throw new IllegalArgumentException("frame of " + rawLength + " tar bytes in " + storedLength);
        }
        if (count == raw.length) {
            raw = Arrays.copyOf(raw, count * 2);
            stored = Arrays.copyOf(stored, count * 2);
        }
        raw[count] = rawLength;
        stored[count] = storedLength;
        count++;
        tarAt = null;
    }

    int count() {
        return count;
    }

    int rawLength(int frame) {
        return raw[frame];
    }

    int storedLength(int frame) {
        return stored[frame];
    }

    /** Where frame {@code frame} starts in the tar. */
    long tarOffset(int frame) {
        offsets();
        return tarAt[frame];
    }

    /** Where frame {@code frame} starts in the stored stream. */
    long storedOffset(int frame) {
        offsets();
        return storedAt[frame];
    }

    /** The tar's length: every frame's tar bytes. */
    long tarBytes() {
        offsets();
        return tarAt[count];
    }

    /** The frame holding tar byte {@code offset} ({@code 0 <= offset < tarBytes()}). */
    int frameAt(long offset) {
        offsets();
        if (offset < 0 || offset >= tarAt[count]) {
            throw new IllegalArgumentException("tar offset " + offset + " is outside the " + tarAt[count] + "-byte tar");
        }
        int i = Arrays.binarySearch(tarAt, 0, count + 1, offset);
        return i >= 0 ? i : -i - 2;
    }

    private void offsets() {
        if (tarAt != null) {
            return;
        }
        tarAt = new long[count + 1];
        storedAt = new long[count + 1];
        for (int i = 0; i < count; i++) {
            tarAt[i + 1] = tarAt[i] + raw[i];
            storedAt[i + 1] = storedAt[i] + stored[i];
        }
    }

    void write(OutputStream out) throws IOException {
        StringBuilder b = new StringBuilder(HEADER).append('\n').append(count).append('\n');
        for (int i = 0; i < count; i++) {
            b.append(raw[i]).append(' ').append(stored[i]).append('\n');
        }
        out.write(b.toString().getBytes(StandardCharsets.US_ASCII));
    }

    /** Reads an index {@link #write} wrote; anything else is refused, naming the backup. */
    static FrameIndex read(InputStream in, String backupId) {
        FrameIndex index = new FrameIndex();
        int line = 1;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            if (!HEADER.equals(r.readLine())) {
                throw damaged(backupId, "it does not start with '" + HEADER + "'");
            }
            line++;
            int count = Integer.parseInt(String.valueOf(r.readLine()));
            for (int i = 0; i < count; i++) {
                line++;
                String l = r.readLine();
                int space = l == null ? -1 : l.indexOf(' ');
                if (space < 0) {
                    throw damaged(backupId, "line " + line + " is not two lengths");
                }
                index.add(Integer.parseInt(l.substring(0, space)), Integer.parseInt(l.substring(space + 1)));
            }
            if (r.readLine() != null) {
                throw damaged(backupId, "it goes on past its " + count + " frames");
            }
        } catch (NumberFormatException e) {
            throw damaged(backupId, "line " + line + " holds no length");
        } catch (IllegalArgumentException e) {
            throw damaged(backupId, "line " + line + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return index;
    }

    private static BackupException damaged(String backupId, String why) {
        return BackupException.runtime("the frame index of backup " + backupId + " is damaged: " + why,
                "run keel backup verify " + backupId, null);
    }
}
