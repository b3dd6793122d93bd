package dev.tributary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.sandbox.ExecutionResult.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JudgeTest {

    private static Sandbox sandbox;
    private static final List<TestCase> CASES = List.of(new TestCase("1 2\n", "3\n"), new TestCase("-5 5\n", "0\n"),
            new TestCase("10 -20\n", "-10\n"));

    @BeforeAll
    static void start() {
        sandbox = Hosts.isolatedSandbox();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    @Test
    void correctProgramPassesEveryCase() {
        Judge.Report r = new Judge(sandbox).judge(Program.python("a, b = map(int, input().split())\nprint(a + b)\n"),
                CASES, Comparison.whitespace(), Limits.defaults());
        assertTrue(r.allPassed(), r.toString());
        assertEquals(1.0, r.passFraction());
    }

    @Test
    void wrongProgramFailsTheCasesItGetsWrong() {
        Judge.Report r = new Judge(sandbox).judge(Program.python("a, b = map(int, input().split())\nprint(abs(a + b))\n"),
                CASES, Comparison.whitespace(), Limits.defaults());
        assertFalse(r.allPassed());
        assertEquals(2, r.passed());
        assertEquals(2.0 / 3, r.passFraction(), 1e-9);
        assertFalse(r.cases().get(2).passed());
        assertEquals(Status.OK, r.cases().get(2).status());
    }

    @Test
    void stopAtFirstFailureSkipsTheRest() {
        Judge.Report r = new Judge(sandbox).judge(Program.python("while True:\n    pass\n"), CASES,
                Comparison.whitespace(), Limits.defaults().withWallTime(Duration.ofMillis(500)), true);
        assertEquals(Status.TIMEOUT, r.cases().get(0).status());
        assertNull(r.cases().get(1).result());
        assertEquals(0, r.passed());
    }

    @Test
    void comparisonsExactWhitespaceAndFloat() {
        assertTrue(Comparison.exact().matches("1 2\n", "1 2\n"));
        assertFalse(Comparison.exact().matches("1 2\n", "1  2"));
        assertTrue(Comparison.whitespace().matches("1 2\n", "  1\n2  "));
        assertFalse(Comparison.whitespace().matches("1 2", "1 2 3"));
        assertTrue(Comparison.floats(1e-6).matches("0.3333333 x", "0.33333331 x"));
        assertTrue(Comparison.floats(1e-6).matches("1000000.0", "1000000.5"), "relative tolerance");
        assertFalse(Comparison.floats(1e-6).matches("0.5", "0.51"));
        assertFalse(Comparison.floats(1e-6).matches("nan", "0.5"));
        assertEquals(Comparison.floats(1e-3), Comparison.parse("float 1e-3"));
    }
}
