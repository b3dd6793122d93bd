package dev.tributary.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Drains one output stream into at most {@code cap} bytes. On overflow it tells the run to stop and
 * stops reading, so the harness never holds more than the cap plus one buffer per stream.
 */
final class CappedReader {

    private static final int CHUNK = 8192;

    record Captured(String text, boolean truncated) {
    }

    private CappedReader() {
    }

    static Captured read(InputStream in, int cap, Runnable onOverflow) {
        ByteArrayOutputStream kept = new ByteArrayOutputStream(Math.min(cap, CHUNK));
        byte[] buf = new byte[CHUNK];
        boolean truncated = false;
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                int room = cap - kept.size();
                if (n > room) {
                    kept.write(buf, 0, room);
                    truncated = true;
                    onOverflow.run();
                    break;
                }
                kept.write(buf, 0, n);
            }
        } catch (IOException e) {
            // the pipe broke because the run was killed: keep what arrived
        }
        return new Captured(kept.toString(StandardCharsets.UTF_8), truncated);
    }
}
