package dev.tributary.runtime.internal.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.io.Output;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Image;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image prompts in checkpoints: each image stored once per part, and format 2's text prompts still read. */
class ImageCheckpointTest {
    static Image image(int seed) {
        float[] px = new float[32 * 32];
        for (int i = 0; i < px.length; i++) {
            px[i] = ((i * 31 + seed * 17) % 101) / 100f;
        }
        return new Image(32, 32, 1, px);
    }

    /** k samples of each of two image prompts, each trajectory holding its own equal copy of the prompt. */
    static List<Trajectory> samples(int k) {
        List<Trajectory> out = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            for (int i = 0; i < k; i++) {
                Prompt prompt = new Prompt("digits:" + p, new int[] {1, 20, 21}, "digits", 2, "7",
                        List.of(image(p)));
                String id = "r0:digits:" + p + "#" + i;
                out.add(Trajectory.start(id, prompt).append(new Segment(id, 0, new int[] {4, 2}, new float[] {-0.5f,
                        -0.1f}, 1, FinishReason.EOS)).withReward(1));
            }
        }
        return out;
    }

    @Test
    void imagesSharedByTheSamplesOfAPrompt_areStoredOnce(@TempDir Path out) throws IOException {
        List<Trajectory> copies = samples(8);
        // As the replay buffer holds them: the samples of a prompt share its instance.
        List<Trajectory> shared = new ArrayList<>();
        for (Trajectory t : copies) {
            Trajectory first = shared.stream().filter(s -> s.prompt().id().equals(t.prompt().id())).findFirst()
                    .orElse(t);
            shared.add(new Trajectory(t.id(), first.prompt(), t.segments(), t.reward()));
        }
        byte[] sharedBytes = CheckpointCodec.encode(new Parts.ReplayPart(shared));
        long oneImage = image(0).bytes();
        assertTrue(sharedBytes.length < 2 * oneImage + 2_000, "16 samples of 2 image prompts took "
                + sharedBytes.length + " bytes; 2 images are " + 2 * oneImage);
        assertTrue(CheckpointCodec.encode(new Parts.ReplayPart(copies)).length > 16 * oneImage,
                "distinct copies are each written");
        CheckpointStore store = new CheckpointStore(out, 1);
        Checkpoint c = CheckpointStoreTest.checkpoint(3);
        store.save(new Checkpoint(3, c.weights(), c.optimizer(), shared, Map.of(), new long[0], Optional.empty()));
        List<Trajectory> loaded = store.load(3).replay();
        assertEquals(copies, loaded);
        assertSame(loaded.get(0).prompt().images().get(0), loaded.get(7).prompt().images().get(0));
        assertEquals(loaded.get(8).prompt().images().get(0), image(1));
    }

    @Test
    void formatTwoPayloads_ofTextPrompts_stillDecode() {
        Checkpoint c = CheckpointStoreTest.checkpoint(4);
        Parts.ReplayPart part = new Parts.ReplayPart(c.replay());
        byte[] old;
        try (Output o = new Output(1 << 16, -1)) {
            CheckpointCodec.kryo(2).writeObject(o, part);
            old = o.toBytes();
        }
        assertEquals(part, CheckpointCodec.decode(old, Parts.ReplayPart.class, 2));
        // A format 3 payload of text prompts is the format 2 one with the images' empty lists added.
        assertEquals(part, CheckpointCodec.decode(CheckpointCodec.encode(part), Parts.ReplayPart.class));
    }
}
