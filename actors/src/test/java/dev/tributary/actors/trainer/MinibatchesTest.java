package dev.tributary.actors.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.TrajectoryIds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MinibatchesTest {
    private static final PolicyVersion V = new PolicyVersion(4);

    /** Groups g0..g6 of sizes 1, 2, 3, 1, 2, 3, 5, interleaved the way trajectories arrive. */
    private static TrajectoryBatch batch() {
        int[] sizes = {1, 2, 3, 1, 2, 3, 5};
        List<Trajectory> ts = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            for (int g = 0; g < sizes.length; g++) {
                if (round < sizes[g]) {
                    ts.add(trajectory("g" + g, round));
                }
            }
        }
        return new TrajectoryBatch(V, ts);
    }

    private static Trajectory trajectory(String group, int sample) {
        String id = TrajectoryIds.of(group, sample);
        Prompt p = new Prompt(group, new int[] {1, 5}, "arithmetic", 1, "0");
        return Trajectory.start(id, p).append(new Segment(id, 0, new int[] {6, 2}, new float[] {-1f, -1f}, 0,
                FinishReason.EOS)).withReward(sample % 2);
    }

    /** The minibatches of {@code passes} full passes, as lists of ids, checking pass boundaries on the way. */
    private static List<List<String>> passes(Minibatches m, int total, int passes) {
        List<List<String>> out = new ArrayList<>();
        for (int pass = 0; pass < passes; pass++) {
            Set<String> seen = new HashSet<>();
            int count = 0;
            while (count < total) {
                TrajectoryBatch mb = m.next();
                List<String> ids = mb.trajectories().stream().map(Trajectory::id).toList();
                assertEquals(V, mb.version(), "minibatches keep the batch's version");
                for (String id : ids) {
                    assertTrue(seen.add(id), "pass " + pass + " dealt " + id + " twice");
                }
                count += ids.size();
                out.add(ids);
            }
            assertEquals(total, count, "a pass ends exactly when every trajectory was dealt once");
        }
        return out;
    }

    @Test
    void groupsStayWhole_andEveryTrajectoryAppearsOncePerPass() {
        TrajectoryBatch b = batch();
        assertEquals(17, b.size());
        Map<String, Integer> groupSize = new HashMap<>();
        b.trajectories().forEach(t -> groupSize.merge(TrajectoryIds.group(t.id()), 1, Integer::sum));
        int size = 4;
        List<List<String>> dealt = passes(new Minibatches(b, size, new SplittableRandom(3)), b.size(), 3);
        for (List<String> mb : dealt) {
            Map<String, Integer> inThis = new HashMap<>();
            mb.forEach(id -> inThis.merge(TrajectoryIds.group(id), 1, Integer::sum));
            inThis.forEach((g, n) -> assertEquals(groupSize.get(g), n, "group " + g + " was split: " + mb));
            // About `size` trajectories: over it only when one group alone is larger.
            assertTrue(mb.size() <= size || inThis.size() == 1, "minibatch " + mb + " exceeds " + size);
            // Within a group, the samples keep their order.
            List<String> g5 = mb.stream().filter(id -> id.startsWith("g5/")).toList();
            if (!g5.isEmpty()) {
                assertEquals(List.of("g5/0", "g5/1", "g5/2"), g5);
            }
        }
        assertTrue(dealt.contains(List.of("g6/0", "g6/1", "g6/2", "g6/3", "g6/4")),
                "a group larger than the minibatch size is dealt alone and whole");
    }

    @Test
    void sameSeed_sameOrder_otherSeedOtherOrder_andEachPassIsReshuffled() {
        TrajectoryBatch b = batch();
        List<List<String>> a = passes(new Minibatches(b, 4, new SplittableRandom(21)), b.size(), 3);
        List<List<String>> again = passes(new Minibatches(b, 4, new SplittableRandom(21)), b.size(), 3);
        List<List<String>> other = passes(new Minibatches(b, 4, new SplittableRandom(22)), b.size(), 3);
        assertEquals(a, again);
        assertNotEquals(a, other);
        // The groups' order differs between passes (7 groups: 5040 orders).
        List<String> pass1 = firstPassGroupOrder(a, b.size(), 0);
        List<String> pass2 = firstPassGroupOrder(a, b.size(), 1);
        assertEquals(new HashSet<>(pass1), new HashSet<>(pass2));
        assertNotEquals(pass1, pass2, "the second pass is reshuffled");
    }

    private static List<String> firstPassGroupOrder(List<List<String>> dealt, int total, int pass) {
        List<String> order = new ArrayList<>();
        int count = 0;
        for (List<String> mb : dealt) {
            if (count >= pass * total && count < (pass + 1) * total) {
                for (String id : mb) {
                    String g = TrajectoryIds.group(id);
                    if (!order.contains(g)) {
                        order.add(g);
                    }
                }
            }
            count += mb.size();
        }
        return order;
    }

    @Test
    void sizeOneDealsOneGroupAtATime_andABadSizeIsRefused() {
        TrajectoryBatch b = batch();
        List<List<String>> dealt = passes(new Minibatches(b, 1, new SplittableRandom(1)), b.size(), 1);
        assertEquals(7, dealt.size(), "one minibatch per group");
        var e = assertThrows(IllegalArgumentException.class, () -> new Minibatches(b, 0, new SplittableRandom(1)));
        assertEquals("minibatch size 0 must be >= 1", e.getMessage());
    }
}
