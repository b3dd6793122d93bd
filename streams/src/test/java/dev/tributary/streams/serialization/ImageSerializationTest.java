package dev.tributary.streams.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Image;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Image prompts through the serializer as the actor system creates it: registered, shared once, size-checked. */
class ImageSerializationTest {
    private static final ActorTestKit KIT = ActorTestKit.create("kryo-images",
            ConfigFactory.parseString(KryoTestMessage.Registrar.CONFIG).withFallback(ConfigFactory.load()).resolve());
    private static final KryoSerializer SER = KryoSerializer.get(KIT.system());

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    static Image image(int side, int seed) {
        float[] px = new float[side * side];
        for (int i = 0; i < px.length; i++) {
            px[i] = ((i * 13 + seed * 7) % 97) / 96f;
        }
        return new Image(side, side, 1, px);
    }

    static TrajectoryBatch batch(Prompt prompt, int k) {
        List<Trajectory> ts = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            String id = "r0:" + prompt.id() + "#" + i;
            ts.add(Trajectory.start(id, prompt).append(new Segment(id, 0, new int[] {5, 2}, new float[] {-0.2f, -0.7f},
                    3, FinishReason.EOS)).withReward(i % 2));
        }
        return new TrajectoryBatch(new PolicyVersion(3), ts);
    }

    @Test
    void imagePrompts_roundTrip_andTheSamplesOfAPromptCarryItsImageOnce() throws Exception {
        assertEquals(Image.class, SER.registrations().get(106));
        Prompt prompt = new Prompt("digits:sum?7,5@11", new int[] {1, 20, 21}, "digits", 2, "12",
                List.of(image(32, 1), image(32, 2)));
        assertEquals(prompt, KryoSerializerTest.roundTrip(SER, prompt));
        TrajectoryBatch eight = batch(prompt, 8);
        TrajectoryBatch back = KryoSerializerTest.roundTrip(SER, eight);
        assertEquals(eight, back);
        assertSame(back.trajectories().get(0).prompt().images().get(1), back.trajectories().get(7).prompt().images()
                .get(1), "read back shared");
        long images = prompt.imageBytes();
        int size = SER.toBinary(eight).length;
        assertTrue(size < images + 1_000, "8 samples of a prompt with " + images + " bytes of images took " + size);
        // Two messages in a row each carry the image in full: the index is per message.
        assertEquals(size, SER.toBinary(eight).length);
        assertEquals(eight, SER.fromBinary(SER.toBinary(eight), scala.Option.empty()));
    }

    @Test
    void aMessageWhoseImagesOverflowTheFrame_isRefusedNamingThem() {
        Prompt big = new Prompt("big", new int[] {1}, "digits", 1, "1", List.of(image(256, 3)));
        ByteBuffer frame = ByteBuffer.allocate(256 * 1024 - 1024);
        var e = assertThrows(IllegalArgumentException.class, () -> SER.toBinary(batch(big, 2), frame));
        assertTrue(e.getMessage().contains("does not fit the 261120 bytes Artery's frame leaves"), e.getMessage());
        assertTrue(e.getMessage().contains("it carries at least 262144 bytes of images"), e.getMessage());
        // Without images, an overflow is Artery's to report, as before.
        Prompt text = new Prompt("t", new int[20_000], "arithmetic", 1, "1");
        assertThrows(BufferOverflowException.class, () -> SER.toBinary(text, ByteBuffer.allocate(1024)));
    }

}
