package dev.tributary.streams.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WeightSyncSettingsTest {
    @Test
    void defaultChunk_isWellBelowTheDefaultFrame() {
        WeightSyncSettings s = WeightSyncSettings.defaults();
        assertEquals(128 * 1024, s.chunkBytes());
        assertEquals(256 * 1024, WeightSyncSettings.frameLimit(ConfigFactory.load()));
        s.requireFitsFrame(WeightSyncSettings.DEFAULT_FRAME_BYTES);
    }

    @Test
    void chunkAtOrOverTheFrame_isRefusedNamingTheLimit() {
        long frame = WeightSyncSettings.DEFAULT_FRAME_BYTES;
        for (int chunk : new int[] {256 * 1024, 300 * 1024, 256 * 1024 - WeightSyncSettings.FRAME_RESERVE_BYTES}) {
            WeightSyncSettings s = WeightSyncSettings.defaults().withChunkBytes(chunk);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.requireFitsFrame(frame));
            assertTrue(e.getMessage().contains("reaches Artery's maximum-frame-size of 262144 bytes"), e.getMessage());
        }
        WeightSyncSettings.defaults().withChunkBytes(256 * 1024 - WeightSyncSettings.FRAME_RESERVE_BYTES - 4)
                .requireFitsFrame(frame);
    }

    @Test
    void settingsAreReadFromConfig_andValidated() {
        WeightSyncSettings s = WeightSyncSettings.fromConfig(ConfigFactory.parseString(
                "tributary.streams.weights { chunk-size = 64 KiB, max-attempts = 5, offer-timeout = 2 s }"));
        assertEquals(64 * 1024, s.chunkBytes());
        assertEquals(5, s.maxAttempts());
        assertEquals(Duration.ofSeconds(2), s.offerTimeout());
        assertEquals(Duration.ofSeconds(10), s.idleTimeout());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightSyncSettings.defaults().withChunkBytes(1001));
        assertEquals("chunk size 1001 bytes must be > 0 and a multiple of 4", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WeightSyncSettings.defaults().withMaxAttempts(0));
    }

    @Test
    void creditWindow_isTheInFlightBytesInWholeChunks_withinBounds() {
        WeightSyncSettings s = WeightSyncSettings.defaults();
        assertEquals(8L * 1024 * 1024, s.inFlightBytes());
        assertEquals(64, s.windowChunks()); // 8 MiB of 128 KiB chunks
        assertEquals(8, s.withChunkBytes(1024 * 1024).windowChunks());
        assertEquals(WeightSyncSettings.MIN_WINDOW, s.withChunkBytes(1024 * 1024).withInFlightBytes(1).windowChunks());
        assertEquals(WeightSyncSettings.MAX_WINDOW, s.withChunkBytes(4096).windowChunks());
        assertEquals(16, WeightSyncSettings.fromConfig(ConfigFactory.parseString(
                "tributary.streams.weights.in-flight = 2 MiB")).windowChunks());
        assertThrows(IllegalArgumentException.class, () -> s.withInFlightBytes(0));
    }

    @Test
    void frameLimit_isTheSmallerLaneLimit_whenChunksMayTakeTheLargeMessageLane() {
        String frames = "pekko.remote.artery.advanced { maximum-frame-size = 4 MiB, maximum-large-frame-size = 2 MiB }";
        assertEquals(4L << 20, WeightSyncSettings.frameLimit(ConfigFactory.parseString(frames)));
        assertEquals(2L << 20, WeightSyncSettings.frameLimit(ConfigFactory.parseString(frames
                + "\npekko.remote.artery.large-message-destinations = [\"/system/*/fetch/*\"]")));
    }
}
