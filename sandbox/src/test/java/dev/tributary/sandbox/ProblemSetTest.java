package dev.tributary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shipped problems: enough of them, every reference passes its cases, and the cases regenerate exactly. */
class ProblemSetTest {

    private static Sandbox sandbox;
    private static final ProblemSet PROBLEMS = ProblemSet.builtIn();

    @BeforeAll
    static void start() {
        sandbox = Hosts.isolatedSandbox();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    @Test
    void atLeastTwentyProblemsWithStatementsAndCases() {
        assertTrue(PROBLEMS.problems().size() >= 20, "only " + PROBLEMS.problems().size() + " problems");
        for (Problem p : PROBLEMS.problems()) {
            assertTrue(p.cases().size() >= 5, p.id() + " has " + p.cases().size() + " cases");
            assertTrue(p.statement().length() > 20, p.id());
        }
    }

    @Test
    void everyReferenceSolutionPassesItsProblemsCases() {
        Judge judge = new Judge(sandbox);
        try (SandboxPool pool = new SandboxPool(sandbox, 2, 256)) {
            List<CompletableFuture<String>> failures = new ArrayList<>();
            for (Problem p : PROBLEMS.problems()) {
                for (Program ref : p.references()) {
                    failures.add(pool.submit(s -> {
                        Judge.Report r = judge.judge(ref, p.cases(), p.comparison(), Limits.defaults());
                        return r.allPassed() ? "" : p.id() + ": " + r.passed() + "/" + r.total();
                    }));
                }
            }
            List<String> failed = failures.stream().map(CompletableFuture::join).filter(s -> !s.isEmpty()).toList();
            assertEquals(List.of(), failed);
        }
    }

    @Test
    void shippedCasesAreWhatThePaperProcedureGeneratesFromTheSeeds() {
        TestCaseGenerator generator = new TestCaseGenerator(sandbox, 2);
        for (Problem p : PROBLEMS.problems().subList(0, 6)) {
            TestCaseGenerator.Generated g = ProblemSetBuilder.generate(generator, p);
            assertTrue(g.problemKept(), p.id());
            assertEquals(p.cases(), g.cases(), p.id() + " does not regenerate; rerun ProblemSetBuilder");
        }
    }

    @Test
    void casesFormatRoundTripsAnyText() {
        List<TestCase> cases = List.of(new TestCase("=== input 3\nodd\n", "=== output\n"), new TestCase("", "x"));
        assertEquals(cases, ProblemFormat.parseCases("t", ProblemFormat.writeCases(cases)));
    }
}
