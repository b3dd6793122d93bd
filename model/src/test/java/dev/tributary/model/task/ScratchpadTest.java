package dev.tributary.model.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.Prompt;
import dev.tributary.model.token.Tokenizer;
import org.junit.jupiter.api.Test;

class ScratchpadTest {
    private static ArithmeticTask task(ArithmeticTask.Scratchpad s) {
        return new ArithmeticTask(Tokenizer.standard(), 3, true, s);
    }

    @Test
    void eachScratchpad_writesItsWorkedSolution_withTheSameAnswer() {
        Prompt add = task(ArithmeticTask.Scratchpad.STANDARD).prompt(47, 38, '+', 2);
        assertEquals("7+8+0=15,4+3+1=08,<sep>85<eos>", task(ArithmeticTask.Scratchpad.STANDARD).solutionText(add));
        // The long scratchpad spells a column out, or adds the check, by a coin of the problem.
        assertEquals("7+8+0=15;5c1,4+3+1=08,<sep>85<eos>", task(ArithmeticTask.Scratchpad.LONG).solutionText(add));
        assertEquals("15,08,<sep>85<eos>", task(ArithmeticTask.Scratchpad.SHORT).solutionText(add));
        Prompt sub = task(ArithmeticTask.Scratchpad.LONG).prompt(305, 47, '-', 3);
        assertEquals("5-7-0=18;8c1,0-4-1=15;5c1,3-0-1=02,<sep>258<eos>",
                task(ArithmeticTask.Scratchpad.LONG).solutionText(sub));
        ArithmeticTask longTask = task(ArithmeticTask.Scratchpad.LONG);
        Prompt checked = longTask.prompt(55, 17, '-', 2);
        assertEquals("5-7-0=18;8c1,5-1-1=03;3c0,*38+17=55<sep>38<eos>", longTask.solutionText(checked));
        for (ArithmeticTask.Scratchpad s : ArithmeticTask.Scratchpad.values()) {
            ArithmeticTask t = task(s);
            assertEquals(1.0, t.reward(sub, t.workedSolution(sub)), s + " worked solution is correct");
        }
    }

    @Test
    void theLongScratchpadRangesOverLengths_longerOnAverageThanTheStandardOne_andTheShortOneIsShortest() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        double[] mean = new double[3];
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int i = 0; i < 400; i++) {
            Prompt p = task(ArithmeticTask.Scratchpad.STANDARD).sample(2, Task.Split.TRAIN, rng);
            for (ArithmeticTask.Scratchpad s : ArithmeticTask.Scratchpad.values()) {
                int n = task(s).workedSolution(p).length;
                mean[s.ordinal()] += n / 400.0;
                if (s == ArithmeticTask.Scratchpad.LONG) {
                    min = Math.min(min, n);
                    max = Math.max(max, n);
                }
            }
        }
        assertTrue(max - min >= 15, "long lengths range over " + min + ".." + max);
        assertTrue(mean[1] > 1.3 * mean[0] && mean[2] < 0.6 * mean[0], java.util.Arrays.toString(mean));
    }

    @Test
    void anUnknownScratchpad_isRefusedNamingTheKey() {
        var e = assertThrows(IllegalArgumentException.class, () -> ArithmeticTask.Scratchpad.of("verbose"));
        assertEquals("tributary.task.arithmetic.scratchpad = \"verbose\": expected one of long, short, standard",
                e.getMessage());
    }
}
