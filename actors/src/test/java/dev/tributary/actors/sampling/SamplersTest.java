package dev.tributary.actors.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.model.Prompt;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.token.Tokenizer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplersTest {
    /** Additions of 1..3 digits: difficulties 1, 2 and 3. */
    private static final ArithmeticTask TASK = new ArithmeticTask(Tokenizer.standard(), 3, false);
    private static final Config NO_SETTINGS = ConfigFactory.empty();

    private static PromptSampler sampler(String name, Config settings, PromptPool pool, long seed) {
        return Samplers.registry().create(name, settings, new Samplers.Context(pool, seed));
    }

    private static Config curriculum(int start, int end, int perLevel) {
        return ConfigFactory.parseMap(Map.of("start", start, "end", end, "iterations-per-level", perLevel));
    }

    private static List<String> ids(List<Prompt> prompts) {
        return prompts.stream().map(Prompt::id).toList();
    }

    @Test
    void uniform_drawsNDistinctPromptsOfThePool() {
        PromptPool pool = new PromptPool(TASK, 10, 1L);
        Set<String> poolIds = new HashSet<>(ids(pool.all()));
        assertEquals(30, poolIds.size(), "the pool holds 10 distinct prompts per difficulty");
        PromptSampler uniform = sampler("uniform", NO_SETTINGS, pool, 5L);
        assertEquals("uniform", uniform.name());
        for (int iteration = 1; iteration <= 20; iteration++) {
            List<String> drawn = ids(uniform.next(iteration, 8));
            assertEquals(8, drawn.size());
            assertEquals(8, new HashSet<>(drawn).size(), "iteration " + iteration + " drew a prompt twice: " + drawn);
            assertTrue(poolIds.containsAll(drawn), "drawn prompts must come from the pool: " + drawn);
        }
        // Asking for more than the pool holds gives the whole pool, once each.
        List<String> all = ids(uniform.next(1, 100));
        assertEquals(poolIds, new HashSet<>(all));
        assertEquals(30, all.size());
    }

    @Test
    void sameSeedAndIteration_drawTheSamePromptsOnAFreshSampler_otherIterationsDiffer() {
        PromptPool pool = new PromptPool(TASK, 10, 1L);
        for (String name : List.of("uniform", "prioritized")) {
            PromptSampler first = sampler(name, NO_SETTINGS, pool, 11L);
            List<List<String>> run = new java.util.ArrayList<>();
            for (int iteration = 1; iteration <= 6; iteration++) {
                run.add(ids(first.next(iteration, 5)));
            }
            // A resumed run builds a new sampler and starts at a later iteration: it must draw what the first did.
            PromptSampler resumed = sampler(name, NO_SETTINGS, pool, 11L);
            for (int iteration = 6; iteration >= 4; iteration--) {
                assertEquals(run.get(iteration - 1), ids(resumed.next(iteration, 5)),
                        name + ": iteration " + iteration + " on a fresh sampler");
            }
            assertEquals(6, new HashSet<>(run).size(), name + ": every iteration should draw a different set: " + run);
            assertNotEquals(run.get(0), ids(sampler(name, NO_SETTINGS, pool, 12L).next(1, 5)),
                    name + ": another seed should draw other prompts");
        }
    }

    @Test
    void curriculum_followsItsSchedule_fromIterationOne() {
        PromptPool pool = new PromptPool(TASK, 10, 2L);
        PromptSampler c = sampler("curriculum", curriculum(1, 3, 2), pool, 3L);
        assertEquals("curriculum", c.name());
        int[] expected = {1, 1, 2, 2, 3, 3, 3, 3, 3};
        for (int iteration = 1; iteration <= expected.length; iteration++) {
            List<Prompt> drawn = c.next(iteration, 4);
            assertEquals(4, drawn.size());
            for (Prompt p : drawn) {
                assertEquals(expected[iteration - 1], p.difficulty(), "iteration " + iteration + " drew " + p);
            }
        }
        // A curriculum that starts above the easiest level and stops below the hardest one.
        PromptSampler mid = sampler("curriculum", curriculum(2, 2, 1), pool, 3L);
        for (int iteration = 1; iteration <= 4; iteration++) {
            int it = iteration;
            mid.next(iteration, 3).forEach(p -> assertEquals(2, p.difficulty(), "iteration " + it));
        }
        assertEquals(1, ((Samplers.Curriculum) c).difficulty(1));
        assertEquals(1, ((Samplers.Curriculum) c).difficulty(2));
        assertEquals(2, ((Samplers.Curriculum) c).difficulty(3));
        assertEquals(3, ((Samplers.Curriculum) c).difficulty(100));
    }

    @Test
    void curriculum_rangeOutsideThePool_isRefusedNamingTheRange() {
        PromptPool pool = new PromptPool(TASK, 1, 2, 5, 2L);
        var e = assertThrows(IllegalArgumentException.class, () -> sampler("curriculum", curriculum(1, 3, 2), pool, 1L));
        assertTrue(e.getMessage().contains("1..3") && e.getMessage().contains("1..2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sampler("curriculum", curriculum(2, 1, 2), pool, 1L));
        assertTrue(e.getMessage().contains("2..1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sampler("curriculum", curriculum(1, 2, 0), pool, 1L));
        assertTrue(e.getMessage().contains("iterations-per-level"), e.getMessage());
    }

    @Test
    void prioritized_drawsSolvedPromptsFarLessOften() {
        PromptPool pool = new PromptPool(TASK, 2, 2, 20, 4L);
        List<Prompt> all = pool.all();
        assertEquals(20, all.size());
        PromptSampler p = sampler("prioritized", NO_SETTINGS, pool, 9L);
        assertEquals("prioritized", p.name());
        Set<String> solved = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            solved.add(all.get(i).id());
            p.record(all.get(i).id(), 4, 4);
        }
        // A prompt solved half the time keeps half its weight.
        p.record(all.get(10).id(), 2, 4);
        Map<String, Integer> counts = new HashMap<>();
        int iterations = 300;
        for (int iteration = 1; iteration <= iterations; iteration++) {
            List<String> drawn = ids(p.next(iteration, 5));
            assertEquals(5, new HashSet<>(drawn).size(), "draws are without replacement: " + drawn);
            drawn.forEach(id -> counts.merge(id, 1, Integer::sum));
        }
        double solvedPerPrompt = solved.stream().mapToInt(id -> counts.getOrDefault(id, 0)).sum() / 10.0;
        double unsolvedPerPrompt = all.subList(11, 20).stream().mapToInt(q -> counts.getOrDefault(q.id(), 0)).sum() / 9.0;
        double half = counts.getOrDefault(all.get(10).id(), 0);
        assertTrue(unsolvedPerPrompt > 10 * solvedPerPrompt, "unsolved prompts drawn " + unsolvedPerPrompt
                + " times each, solved ones " + solvedPerPrompt + ": expected a clear margin");
        assertTrue(half > 2 * solvedPerPrompt && half < unsolvedPerPrompt,
                "half-solved prompt drawn " + half + " times, between " + solvedPerPrompt + " and " + unsolvedPerPrompt);
        assertTrue(solvedPerPrompt > 0, "the floor keeps solved prompts in the rotation");
    }

    @Test
    void statistics_roundTripThroughRestore() {
        PromptPool pool = new PromptPool(TASK, 2, 2, 20, 4L);
        List<Prompt> all = pool.all();
        PromptSampler p = sampler("prioritized", NO_SETTINGS, pool, 9L);
        p.record(all.get(0).id(), 3, 4);
        p.record(all.get(0).id(), 1, 4);
        p.record(all.get(1).id(), 0, 2);
        p.record(all.get(2).id(), 2, 2);
        Map<String, double[]> stats = p.statistics();
        assertEquals(3, stats.size());
        assertArrayEquals(new double[] {4, 8}, stats.get(all.get(0).id()));
        assertArrayEquals(new double[] {0, 2}, stats.get(all.get(1).id()));
        // The snapshot is a copy: changing it does not change the sampler.
        stats.get(all.get(1).id())[0] = 2;
        assertArrayEquals(new double[] {0, 2}, p.statistics().get(all.get(1).id()));
        stats.get(all.get(1).id())[0] = 0;

        PromptSampler restored = sampler("prioritized", NO_SETTINGS, pool, 9L);
        restored.record(all.get(5).id(), 1, 1); // replaced by the restore
        restored.restore(stats);
        Map<String, double[]> back = restored.statistics();
        assertEquals(stats.keySet(), back.keySet());
        stats.forEach((id, c) -> assertArrayEquals(c, back.get(id), id));
        for (int iteration = 1; iteration <= 5; iteration++) {
            assertEquals(ids(p.next(iteration, 6)), ids(restored.next(iteration, 6)),
                    "a restored sampler draws what the original draws, iteration " + iteration);
        }
        // Every sampler keeps statistics the same way.
        PromptSampler uniform = sampler("uniform", NO_SETTINGS, pool, 9L);
        uniform.restore(stats);
        assertArrayEquals(new double[] {4, 8}, uniform.statistics().get(all.get(0).id()));
        var e = assertThrows(IllegalArgumentException.class, () -> uniform.record("x", 3, 2));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void registry_refusesAnUnknownName_listingTheValidOnes() {
        assertEquals(Set.of("uniform", "curriculum", "prioritized"), Samplers.registry().names());
        var e = assertThrows(IllegalArgumentException.class, () -> Samplers.registry().create("bogus", NO_SETTINGS,
                new Samplers.Context(new PromptPool(TASK, 2, 3, 7, 8L), 1)));
        String m = e.getMessage();
        assertTrue(m.startsWith("tributary.sampler.name = \"bogus\": expected one of") && m.contains("curriculum") && m.contains("prioritized")
                && m.contains("uniform"), m);
    }

    @Test
    void promptPool_withARange_holdsOnlyThoseDifficulties() {
        PromptPool pool = new PromptPool(TASK, 2, 3, 7, 8L);
        assertEquals(2, pool.minDifficulty());
        assertEquals(3, pool.maxDifficulty());
        assertEquals(14, pool.all().size());
        assertEquals(14, new HashSet<>(ids(pool.all())).size(), "prompts are distinct");
        for (int d = 2; d <= 3; d++) {
            List<Prompt> at = pool.at(d);
            assertEquals(7, at.size());
            int level = d;
            at.forEach(p -> assertEquals(level, p.difficulty(), p.toString()));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> pool.at(1));
        assertTrue(e.getMessage().contains("difficulty 1 is not in the pool") && e.getMessage().contains("[2, 3]"),
                e.getMessage());
        // The same seed gives the same pool.
        assertEquals(ids(pool.all()), ids(new PromptPool(TASK, 2, 3, 7, 8L).all()));
    }

    @Test
    void promptPool_badRanges_areRefusedClearly() {
        var e = assertThrows(IllegalArgumentException.class, () -> new PromptPool(TASK, 3, 2, 5, 1L));
        assertEquals("difficulties 3..2 must be an increasing range within task arithmetic's 1..3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PromptPool(TASK, 0, 2, 5, 1L));
        assertTrue(e.getMessage().contains("0..2") && e.getMessage().contains("1..3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PromptPool(TASK, 2, 4, 5, 1L));
        assertTrue(e.getMessage().contains("2..4") && e.getMessage().contains("1..3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PromptPool(TASK, 1, 2, 0, 1L));
        assertTrue(e.getMessage().contains("prompts per difficulty 0"), e.getMessage());
    }
}
