package dev.tributary.model.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.Prompt;
import dev.tributary.model.token.Tokenizer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ArithmeticTaskTest {
    private final ArithmeticTask task = ArithmeticTask.standard();
    private final Tokenizer tok = task.tokenizer();

    @Test
    void workedSolution_isAColumnScratchpadThenTheAnswer() {
        assertEquals("7+8+0=15,4+3+1=08,<sep>85<eos>", task.solutionText(task.prompt(47, 38, '+', 2)));
        assertEquals("9+9+0=18,9+9+1=19,<sep>198<eos>", task.solutionText(task.prompt(99, 99, '+', 2)));
        assertEquals("7-8-0=19,4-3-1=00,<sep>9<eos>", task.solutionText(task.prompt(47, 38, '-', 2)));
        assertEquals("5+8+0=13,0+3+1=04,<sep>43<eos>", task.solutionText(task.prompt(5, 38, '+', 2)));
    }

    @Test
    void verifier_acceptsOnlyTheExactAnswerFollowedByEos() {
        Prompt p = task.prompt(47, 38, '+', 2);
        assertEquals(1.0, task.reward(p, task.workedSolution(p)));
        assertEquals(1.0, task.reward(p, tok.encode("<sep>85<eos>")), "the answer counts, not the reasoning");
        assertEquals(0.0, task.reward(p, tok.encode("<sep>86<eos>")));
        assertEquals(0.0, task.reward(p, tok.encode("<sep>85")), "no EOS: the response is unfinished");
        assertEquals(0.0, task.reward(p, tok.encode("85<eos>")), "no separator");
        assertEquals(0.0, task.reward(p, tok.encode("<sep>8<sep>5<eos>")));
    }

    @Test
    void everySampledSolutionVerifies_andSplitsAreDisjoint() {
        SplittableRandom rng = new SplittableRandom(1);
        java.util.Set<String> train = new java.util.HashSet<>();
        java.util.Set<String> held = new java.util.HashSet<>();
        for (int i = 0; i < 2000; i++) {
            int d = 1 + rng.nextInt(task.maxDifficulty());
            Prompt a = task.sample(d, Task.Split.TRAIN, rng);
            Prompt b = task.sample(d, Task.Split.HELD_OUT, rng);
            assertEquals(1.0, task.reward(a, task.workedSolution(a)), a.id());
            assertTrue(a.length() + task.workedSolution(a).length <= 64, "must fit the default context: " + a.id());
            train.add(a.id());
            held.add(b.id());
        }
        train.retainAll(held);
        assertEquals(java.util.Set.of(), train);
        assertNotEquals(0, held.size());
    }

    @Test
    void badDifficultyAndOperands_areRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> task.sample(7, Task.Split.TRAIN, new SplittableRandom()));
        assertEquals("difficulty 7 of task 'arithmetic' must be in [1, 4]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> task.prompt(3, 5, '-', 1));
        assertTrue(e.getMessage().contains("non-negative result"), e.getMessage());
    }
}
