package dev.tributary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The paper's thresholds with ten references: 7 of 10 agree to keep a case, 9 of 10 pass to keep a problem. */
class TestCaseGeneratorTest {

    // even seeds give only positive numbers; odd seeds include negatives, where abs-summing is wrong
    private static final Program GENERATOR = Program.python("import random, sys\ns = int(sys.stdin.read())\n"
            + "r = random.Random(s)\nxs = [r.randint(1, 9) for _ in range(4)]\nif s % 2:\n    xs[0] = -xs[0]\n"
            + "print(*xs)\n");

    private static Sandbox sandbox;

    @BeforeAll
    static void start() {
        sandbox = Hosts.isolatedSandbox();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    private static List<Program> references(int correct, int wrong) {
        List<Program> refs = new ArrayList<>();
        for (int i = 0; i < correct; i++) {
            refs.add(Program.python("# correct " + i + "\nprint(sum(map(int, input().split())))\n"));
        }
        for (int i = 0; i < wrong; i++) {
            refs.add(Program.python("# wrong " + i + "\nprint(sum(abs(int(x)) for x in input().split()))\n"));
        }
        return refs;
    }

    private static TestCaseGenerator.Generated generate(int correct, int wrong) {
        return new TestCaseGenerator(sandbox, 2).generate(GENERATOR, references(correct, wrong), Comparison.whitespace(),
                Limits.defaults(), TestCaseGenerator.Settings.paper(/* cases= */ 4, /* seed= */ 10));
    }

    @Test
    void nineOfTenPassing_keepsEveryCaseAndTheProblem() {
        TestCaseGenerator.Generated g = generate(9, 1);
        assertEquals(4, g.cases().size());
        assertEquals(0, g.rejectedCases());
        assertEquals(9, g.referencesPassingAll());
        assertTrue(g.problemKept());
        assertEquals("-" , g.cases().get(1).input().substring(0, 1), "seed 11 gives a negative first number");
    }

    @Test
    void sixOfTenAgreeing_rejectsTheCaseButKeepsTheProblemOnTheRest() {
        TestCaseGenerator.Generated g = generate(6, 4);
        assertEquals(2, g.cases().size(), "only the two all-positive inputs are agreed on");
        assertEquals(2, g.rejectedCases());
        assertEquals(10, g.referencesPassingAll());
        assertTrue(g.problemKept());
    }

    @Test
    void sevenOfTenPassing_keepsTheCasesButDropsTheProblem() {
        TestCaseGenerator.Generated g = generate(7, 3);
        assertEquals(4, g.cases().size());
        assertEquals(7, g.referencesPassingAll());
        assertFalse(g.problemKept());
    }

    @Test
    void thresholdsAreCountsOfTheReferences() {
        assertEquals(7, TestCaseGenerator.Settings.required(0.7, 10));
        assertEquals(9, TestCaseGenerator.Settings.required(0.9, 10));
        assertEquals(2, TestCaseGenerator.Settings.required(0.7, 2));
    }
}
