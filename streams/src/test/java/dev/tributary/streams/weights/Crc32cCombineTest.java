package dev.tributary.streams.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** CRC32C combination against the JDK's CRC32C over the concatenated bytes, at lengths from 0 to several MiB. */
class Crc32cCombineTest {
    private static int crc(byte[] bytes, int from, int to) {
        CRC32C c = new CRC32C();
        c.update(bytes, from, to - from);
        return (int) c.getValue();
    }

    @Test
    void combineAndSuffix_matchTheCrcOfTheBytes() {
        SplittableRandom random = new SplittableRandom(14);
        byte[] bytes = new byte[5 << 20];
        random.nextBytes(bytes);
        int[] cuts = {0, 1, 3, 37, 4096, 65_537, 1 << 20, (1 << 20) + 41, 3 << 20, bytes.length};
        for (int a : cuts) {
            for (int b : cuts) {
                if (b < a) {
                    continue;
                }
                int whole = crc(bytes, 0, b);
                int head = crc(bytes, 0, a);
                int tail = crc(bytes, a, b);
                assertEquals(whole, Crc32cCombine.combine(head, tail, b - a), "combine at " + a + ", " + b);
                assertEquals(tail, Crc32cCombine.suffix(whole, head, b - a), "suffix at " + a + ", " + b);
            }
        }
    }

    @Test
    void combiningPieceByPiece_givesTheCrcOfTheWhole() {
        SplittableRandom random = new SplittableRandom(3);
        byte[] bytes = new byte[1 << 20];
        random.nextBytes(bytes);
        int running = 0; // the CRC32C of no bytes
        for (int at = 0; at < bytes.length; ) {
            int n = Math.min(bytes.length - at, random.nextInt(70_000));
            running = Crc32cCombine.combine(running, crc(bytes, at, at + n), n);
            at += n;
        }
        assertEquals(crc(bytes, 0, bytes.length), running);
    }
}
