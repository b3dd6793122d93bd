package dev.tributary.actors.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.FinishReason;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Arrivals are idempotent: what a re-run job delivers again is dropped, so each trajectory is trained once. */
class ReplayStateTest {
    private static final Prompt PROMPT = new Prompt("p", new int[] {1, 5, 6}, "arithmetic", 1, "11");

    private static Trajectory cut(String id) {
        return Trajectory.start(id, PROMPT).append(new Segment(id, 0, new int[] {7, 8}, new float[] {-1f, -1f}, 0,
                FinishReason.TOKEN_BUDGET));
    }

    private static Trajectory done(Trajectory t) {
        return t.append(new Segment(t.id(), t.segments().size(), new int[] {2}, new float[] {-0.5f}, 1,
                FinishReason.EOS)).withReward(1.0);
    }

    @Test
    void copies_areDropped_andNotCounted() {
        ReplayState s = new ReplayState(ReplayStore.grouped(2));
        Trajectory a = cut("g/0");
        assertTrue(s.add(a));
        assertFalse(s.add(a), "the same unfinished trajectory again");
        assertEquals(1, s.received());
        assertEquals(List.of(a), s.takeUnfinished());
        assertFalse(s.add(a), "a late copy after it was taken for resumption must not be resumed twice");

        Trajectory aDone = done(a);
        assertTrue(s.add(aDone), "the resumed continuation has more segments: new");
        assertFalse(s.add(aDone));
        Trajectory b = done(cut("g/1"));
        assertTrue(s.add(b));
        assertFalse(s.add(b));
        assertEquals(3, s.received());
        assertEquals(4, s.duplicates());
        List<List<Trajectory>> groups = s.takeCompleteGroups();
        assertEquals(1, groups.size());
        assertEquals(2, groups.get(0).size(), "each trajectory once: " + groups);
        assertEquals(0, s.remembered(), "trained trajectories are forgotten, so the memory stays bounded");
    }

    @Test
    void size_countsWhatIsHeld_throughArrivalsAndTakes() {
        ReplayState s = new ReplayState(ReplayStore.grouped(2));
        s.add(cut("u/0"));
        s.add(done(cut("g/0")));
        assertEquals(2, s.size(), "one unfinished, one in a pending group");
        s.add(done(cut("g/1")));
        s.add(done(cut("h/0")));
        assertEquals(4, s.size());
        assertFalse(s.add(done(cut("g/1"))), "a copy");
        assertEquals(4, s.size(), "copies are not held");
        assertEquals(1, s.takeCompleteGroups().size());
        assertEquals(2, s.size(), "u/0 and the pending h/0");
        assertEquals(1, s.takeUnfinished().size());
        assertEquals(1, s.size());
        assertEquals(1, s.contents().size(), "the count agrees with what is held");
    }

    /** The asynchronous trainer takes exactly B groups, once there are B; the rest wait, held and checkpointed. */
    @Test
    void takesBetweenMinAndMax_andHoldsTheRest() {
        ReplayState s = new ReplayState(ReplayStore.grouped(2));
        for (String g : List.of("a", "b", "c")) {
            s.add(done(cut(g + "/0")));
            s.add(done(cut(g + "/1")));
        }
        assertEquals(List.of(), s.takeCompleteGroups(4, 4), "three complete groups are fewer than four");
        assertEquals(6, s.size(), "nothing was taken");
        assertFalse(s.add(done(cut("a/0"))), "groups held back are still remembered: a copy is dropped");
        List<List<Trajectory>> two = s.takeCompleteGroups(2, 2);
        assertEquals(List.of("a/0", "b/0"), two.stream().map(g -> g.get(0).id()).toList(), "oldest first");
        assertEquals(2, s.size(), "c is held");
        assertEquals(List.of("c/0", "c/1"), s.contents().stream().map(Trajectory::id).toList(),
                "the held group is in the checkpoint's contents");
        s.add(done(cut("d/0")));
        s.add(done(cut("d/1")));
        assertEquals(List.of("c/0", "d/0"), s.takeCompleteGroups(2, 2).stream().map(g -> g.get(0).id()).toList());
        assertEquals(0, s.size());
        assertEquals(0, s.remembered());
    }
}
