package dev.tributary.streams.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.remote.OversizedPayloadException;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Why weights travel in chunks: Artery drops a message over its 256 KiB frame with only a log line. */
class ArteryFrameLimitTest {
    private static ActorTestKit sender;
    private static ActorTestKit receiver;

    @BeforeAll
    static void start() {
        sender = RemoteNodes.start("frame-sender");
        receiver = RemoteNodes.start("frame-receiver");
    }

    @AfterAll
    static void stop() {
        sender.shutdownTestKit();
        receiver.shutdownTestKit();
    }

    @Test
    void elementOverTheFrameSize_isDroppedWhileSmallerOnesArrive() {
        TestProbe<ByteString> probe = receiver.createTestProbe();
        ActorRef<ByteString> remote = RemoteNodes.remoteRef(probe.ref(), receiver, sender);
        remote.tell(ByteString.fromString("hello")); // the connection is up before the measured sends
        probe.expectMessage(Duration.ofSeconds(10), ByteString.fromString("hello"));

        ByteString oversized = ByteString.fromArrayUnsafe(new byte[300 * 1024]);
        ByteString small = ByteString.fromString("after");
        // The sender learns of the drop only from this log line; the message itself just never arrives.
        LoggingTestKit.error(OversizedPayloadException.class).expect(sender.system(), () -> {
            remote.tell(oversized);
            remote.tell(small);
            // One lane keeps the order: the small message arriving first means the oversized one is gone.
            probe.expectMessage(Duration.ofSeconds(5), small);
            return null;
        });
        probe.expectNoMessage(Duration.ofMillis(500));
    }

    @Test
    void defaultSizedChunk_fitsTheFrame() {
        TestProbe<ByteString> probe = receiver.createTestProbe();
        ActorRef<ByteString> remote = RemoteNodes.remoteRef(probe.ref(), receiver, sender);
        List<ByteString> elements = TestWeights.elements(TestWeights.weights(1, 70_000, 2),
                WeightSyncSettings.defaults().chunkBytes(), 9);
        ByteString fullChunk = elements.get(1);
        assertEquals(128 * 1024 + ChunkCodec.OVERHEAD_BYTES, fullChunk.size());
        remote.tell(fullChunk);
        ByteString got = probe.receiveMessage(Duration.ofSeconds(10));
        assertEquals(fullChunk, got);
        assertEquals(0, ChunkCodec.decode(got, 1).header().index());
    }
}
