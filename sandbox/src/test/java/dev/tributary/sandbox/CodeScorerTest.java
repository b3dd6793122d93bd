package dev.tributary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CodeScorerTest {

    private static Sandbox sandbox;
    private static final Problem SUM = ProblemSet.builtIn().get("sum-two");

    @BeforeAll
    static void start() {
        sandbox = Hosts.isolatedSandbox();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
        Hosts.assertNothingSurvives();
    }

    @Test
    void extractsTheLastFencedBlockInAKnownLanguage() {
        String completion = "Think first.\n```text\nnot code\n```\n```python\nprint(1)\n```\nthen\n```py\nprint(2)\n```\n"
                + "```bash\nls\n```";
        assertEquals(Optional.of(Program.python("print(2)\n")), CodeScorer.extract(completion, Language.PYTHON3));
        assertEquals(Language.JAVA, CodeScorer.extract("```java\nclass A {}\n```", Language.PYTHON3).get().language());
        assertEquals(Optional.of(Program.python("print(3)")), CodeScorer.extract("print(3)", Language.PYTHON3));
        assertEquals(Optional.empty(), CodeScorer.extract("```bash\nls\n```", Language.PYTHON3));
        assertEquals(Optional.empty(), CodeScorer.extract("  \n", Language.PYTHON3));
    }

    @Test
    void correctWrongAndHostileCompletionsScore() {
        CodeScorer fraction = new CodeScorer(sandbox, CodeScorer.Mode.PASS_FRACTION,
                Limits.defaults().withWallTime(Duration.ofSeconds(1)), Language.PYTHON3);
        CodeScorer allPass = new CodeScorer(sandbox, CodeScorer.Mode.ALL_PASS,
                Limits.defaults().withWallTime(Duration.ofSeconds(1)), Language.PYTHON3);
        String correct = "Here:\n```python\na, b = map(int, input().split())\nprint(a + b)\n```";
        assertEquals(1.0, fraction.score(correct, SUM).value());
        assertEquals(1.0, allPass.score(correct, SUM).value());

        // right only where the sum is non-negative
        String wrong = "```python\na, b = map(int, input().split())\nprint(abs(a + b))\n```";
        CodeScorer.Score partial = fraction.score(wrong, SUM);
        assertTrue(partial.value() > 0 && partial.value() < 1, partial.reason());
        assertEquals(0.0, allPass.score(wrong, SUM).value());

        String hostile = "```python\nimport os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n```";
        long t0 = System.nanoTime();
        assertEquals(0.0, allPass.score(hostile, SUM).value());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 5000, "all-pass stops at the first failing case");
        assertEquals(0.0, fraction.score("I don't know.\n```text\nno\n```", SUM).value());
    }
}
