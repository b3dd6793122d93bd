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

    @Test
    void transport_isTheDataPlaneByDefault_andIsChosenByName() {
        WeightSyncSettings s = WeightSyncSettings.defaults();
        assertEquals(WeightSyncSettings.Transport.TCP, s.transport());
        assertEquals(new WeightSyncSettings.DataPlane("", "", 0, 1024 * 1024), s.dataPlane());
        WeightSyncSettings artery = WeightSyncSettings.fromConfig(ConfigFactory.parseString(
                "tributary.streams.weights { transport = artery, data-plane { port = 25530, chunk-size = 4 MiB } }"));
        assertEquals(WeightSyncSettings.Transport.ARTERY, artery.transport());
        assertEquals(new WeightSyncSettings.DataPlane("", "", 25530, 4 << 20), artery.dataPlane());
    }

    @Test
    void badTransportSettings_areRefusedInOneLineNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeightSyncSettings.fromConfig(
                ConfigFactory.parseString("tributary.streams.weights.transport = udp")));
        assertEquals("tributary.streams.weights.transport = \"udp\" is not a transport; expected \"tcp\" or "
                + "\"artery\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WeightSyncSettings.fromConfig(
                ConfigFactory.parseString("tributary.streams.weights.data-plane.port = 70000")));
        assertEquals("tributary.streams.weights.data-plane.port = 70000 is not a port; expected 0 (any free port) "
                + "to 65535", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WeightSyncSettings.fromConfig(
                ConfigFactory.parseString("tributary.streams.weights.data-plane.chunk-size = 128 MiB")));
        assertEquals("tributary.streams.weights.data-plane.chunk-size = 134217728 bytes; expected a multiple of 4 "
                + "from 4 to 67108864", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WeightSyncSettings.fromConfig(
                ConfigFactory.parseString("tributary.streams.weights.data-plane.prot = 1")));
        assertEquals("tributary.streams.weights.data-plane.prot is not a setting; the settings of "
                + "tributary.streams.weights are chunk-size, data-plane.bind-hostname, data-plane.chunk-size, "
                + "data-plane.hostname, data-plane.port, idle-timeout, in-flight, max-attempts, offer-timeout, "
                + "retry-delay, transport", e.getMessage());
    }
}
