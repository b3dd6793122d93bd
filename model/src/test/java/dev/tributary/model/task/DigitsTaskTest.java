package dev.tributary.model.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.Image;
import dev.tributary.model.Prompt;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DigitsTaskTest {
    private final DigitsTask task = DigitsTask.standard();

    @Test
    void workedSolutions_readTheDigits_andScoreOne_andWrongAnswersScoreZero() {
        Prompt p = task.prompt(new int[] {7, 5}, true, new int[2], new int[2], 0, 1);
        assertEquals("12", p.groundTruth());
        assertEquals("7,5<sep>12<eos>", task.solutionText(p));
        assertEquals(1.0, task.reward(p, task.workedSolution(p)));
        assertEquals(0.0, task.reward(p, task.tokenizer().encode("7,5<sep>13<eos>")));
        assertEquals(0.0, task.reward(p, task.tokenizer().encode("7,5<sep>12")), "no EOS");
        Prompt max = task.prompt(new int[] {3, 9, 4}, false, new int[3], new int[3], 0, 4);
        assertEquals("3,9,4<sep>9<eos>", task.solutionText(max));
        SplittableRandom rng = new SplittableRandom(3);
        for (int d = 1; d <= 4; d++) {
            for (int i = 0; i < 50; i++) {
                Prompt s = task.sample(d, Task.Split.TRAIN, rng);
                assertEquals(1.0, task.reward(s, task.workedSolution(s)), s.id());
                task.vision().check(s.images(), s.id());
            }
        }
    }

    @Test
    void pictures_showTheDigitsInThePixelFont_withJitterAndNoiseByDifficulty() {
        Image seven = task.prompt(new int[] {7, 1}, true, new int[2], new int[2], 0, 1).images().get(0);
        // The 7's top bar: row 2, columns 2-4; its stem runs down column 4.
        assertEquals(1f, seven.at(2, 2, 0));
        assertEquals(1f, seven.at(2, 4, 0));
        assertEquals(0f, seven.at(3, 2, 0));
        assertEquals(1f, seven.at(6, 4, 0));
        assertEquals(0f, seven.at(0, 0, 0));
        Image moved = task.prompt(new int[] {7, 1}, true, new int[] {1, 0}, new int[] {-1, 0}, 0, 2).images().get(0);
        assertEquals(1f, moved.at(3, 1, 0));
        Image noisy = task.prompt(new int[] {7, 1}, true, new int[2], new int[2], 42, 3).images().get(0);
        assertNotEquals(seven, noisy);
        assertTrue(noisy.at(0, 0, 0) >= 0 && noisy.at(0, 0, 0) <= 1);
    }

    @Test
    void heldOutPictures_areNeverSampledForTraining() {
        SplittableRandom rng = new SplittableRandom(1);
        java.util.Set<String> train = new java.util.HashSet<>();
        java.util.Set<String> held = new java.util.HashSet<>();
        for (int i = 0; i < 2000; i++) {
            train.add(combination(task.sample(3, Task.Split.TRAIN, rng)));
            held.add(combination(task.sample(3, Task.Split.HELD_OUT, rng)));
        }
        assertTrue(held.size() >= 500, "held-out pictures: " + held.size());
        held.retainAll(train);
        assertEquals(java.util.Set.of(), held);
        var e = assertThrows(IllegalArgumentException.class, () -> task.sample(5, Task.Split.TRAIN, rng));
        assertEquals("difficulty 5 of task 'digits' must be in [1, 4]", e.getMessage());
    }

    /** The digits, the question and where each digit is drawn: the id without the noise seed. */
    private static String combination(Prompt p) {
        int noise = p.id().indexOf('#');
        return noise < 0 ? p.id() : p.id().substring(0, noise);
    }
}
