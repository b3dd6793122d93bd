package dev.tributary.model.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        assertEquals("7+8+0=15;5c1,4+3+1=08;8c0,*85-38=47<sep>85<eos>",
                task(ArithmeticTask.Scratchpad.LONG).solutionText(add));
        assertEquals("15,08,<sep>85<eos>", task(ArithmeticTask.Scratchpad.SHORT).solutionText(add));
        Prompt sub = task(ArithmeticTask.Scratchpad.LONG).prompt(305, 47, '-', 3);
        assertEquals("5-7-0=18;8c1,0-4-1=15;5c1,3-0-1=02;2c0,*258+47=305<sep>258<eos>",
                task(ArithmeticTask.Scratchpad.LONG).solutionText(sub));
        for (ArithmeticTask.Scratchpad s : ArithmeticTask.Scratchpad.values()) {
            ArithmeticTask t = task(s);
            assertEquals(1.0, t.reward(sub, t.workedSolution(sub)), s + " worked solution is correct");
        }
    }

    @Test
    void theLongScratchpadIsLongerThanTheStandardOneAndTheShortOneShorter() {
        Prompt p = task(ArithmeticTask.Scratchpad.STANDARD).prompt(47, 38, '+', 2);
        int standard = task(ArithmeticTask.Scratchpad.STANDARD).workedSolution(p).length;
        assertEquals(22, standard);
        assertEquals(39, task(ArithmeticTask.Scratchpad.LONG).workedSolution(p).length);
        assertEquals(10, task(ArithmeticTask.Scratchpad.SHORT).workedSolution(p).length);
    }

    @Test
    void anUnknownScratchpad_isRefusedNamingTheKey() {
        var e = assertThrows(IllegalArgumentException.class, () -> ArithmeticTask.Scratchpad.of("verbose"));
        assertEquals("tributary.task.arithmetic.scratchpad = \"verbose\": expected one of long, short, standard",
                e.getMessage());
    }
}
