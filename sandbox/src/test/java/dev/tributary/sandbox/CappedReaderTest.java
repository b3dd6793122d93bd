package dev.tributary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CappedReaderTest {

    @Test
    void anEndlessStreamIsReadOnlyUpToTheCap() {
        AtomicLong served = new AtomicLong();
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                served.incrementAndGet();
                return 'y';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) 'y');
                served.addAndGet(len);
                return len;
            }
        };
        AtomicBoolean overflow = new AtomicBoolean();
        CappedReader.Captured c = CappedReader.read(endless, 100_000, () -> overflow.set(true));
        assertTrue(overflow.get());
        assertTrue(c.truncated());
        assertEquals(100_000, c.text().length());
        assertTrue(served.get() <= 100_000 + 8192, "read " + served.get() + " bytes for a 100000-byte cap");
    }

    @Test
    void shortOutputIsKeptWhole() {
        CappedReader.Captured c = CappedReader.read(new java.io.ByteArrayInputStream("hello".getBytes()), 10,
                () -> { throw new AssertionError("no overflow expected"); });
        assertEquals("hello", c.text());
        assertEquals(false, c.truncated());
    }
}
