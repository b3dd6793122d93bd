package dev.tributary.actors.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.tributary.model.FinishReason;
import dev.tributary.model.Image;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryIds;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The k samples of an image prompt are held with its images once, and the buffer's byte count says so. */
class ReplayImagesTest {
    /** A copy of the prompt each call, as samples that crossed nodes one by one arrive. */
    private static Prompt prompt(String id) {
        float[] px = new float[16 * 16];
        java.util.Arrays.fill(px, 0.5f);
        return new Prompt(id, new int[] {1, 20, 21}, "digits", 1, "9", List.of(new Image(16, 16, 1, px)));
    }

    private static Trajectory sample(String prompt, int i) {
        String id = TrajectoryIds.of("r0-" + prompt, i);
        return Trajectory.start(id, prompt(prompt)).append(new Segment(id, 0, new int[] {5, 2}, new float[] {-1f, -1f},
                0, FinishReason.EOS)).withReward(1.0);
    }

    @Test
    void samplesOfAPrompt_shareOneCopyOfItsImages_counted_once() {
        ReplayState s = new ReplayState(ReplayStore.grouped(4));
        for (int i = 0; i < 3; i++) {
            s.add(sample("a", i));
            s.add(sample("b", i));
        }
        long image = 16 * 16 * 4;
        assertEquals(2 * image, s.imageBytes());
        assertEquals(2 * image + 6 * (8 * 2 + 4 * 3), s.heldBytes());
        List<Trajectory> held = s.contents();
        Trajectory a0 = held.stream().filter(t -> t.prompt().id().equals("a")).findFirst().orElseThrow();
        held.stream().filter(t -> t.prompt().id().equals("a"))
                .forEach(t -> assertSame(a0.prompt().images().get(0), t.prompt().images().get(0)));
        s.add(sample("a", 3));
        List<List<Trajectory>> groups = s.takeCompleteGroups();
        assertEquals(1, groups.size());
        assertEquals(4, groups.get(0).size());
        assertEquals(image, s.imageBytes(), "group a is handed over; b's image stays");
        // A later prompt with the same id (next round) is not tied to the one handed over.
        s.add(sample("a", 4));
        assertNotSame(a0.prompt(), s.contents().stream().filter(t -> t.prompt().id().equals("a")).findFirst()
                .orElseThrow().prompt());
    }
}
