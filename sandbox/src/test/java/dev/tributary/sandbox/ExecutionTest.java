package dev.tributary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.sandbox.ExecutionResult.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Ordinary programs: outputs, exit codes, signals, Java compile and run. */
class ExecutionTest {

    private static Sandbox sandbox;

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
    void pythonReadsStdinAndWritesStdout() {
        ExecutionResult r = sandbox.execute(ExecutionRequest.of(Language.PYTHON3, "print(input()[::-1])", "abc\n"));
        assertEquals(Status.OK, r.status(), r.toString());
        assertEquals("cba\n", r.stdout());
        assertEquals(0, r.exitCode());
        assertTrue(r.peakMemoryBytes() > 0 && r.cpuTime().toNanos() > 0, r.toString());
    }

    @Test
    void exitCodeIsReported() {
        ExecutionResult r = sandbox.execute(ExecutionRequest.of(Language.PYTHON3,
                "import sys\nsys.stderr.write('bad')\nsys.exit(3)", ""));
        assertEquals(Status.RUNTIME_ERROR, r.status());
        assertEquals(3, r.exitCode());
        assertEquals(0, r.signal());
        assertEquals("bad", r.stderr());
    }

    @Test
    void deathBySignalIsReported() {
        ExecutionResult r = sandbox.execute(ExecutionRequest.of(Language.PYTHON3,
                "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)", ""));
        assertEquals(Status.RUNTIME_ERROR, r.status(), r.toString());
        assertEquals(11, r.signal());
        assertEquals(-1, r.exitCode());
        assertEquals("", r.stderr(), "the init shell's job messages must not reach the program's stderr");
    }

    @Test
    void uncaughtExceptionIsARuntimeError() {
        ExecutionResult r = sandbox.execute(ExecutionRequest.of(Language.PYTHON3, "raise ValueError('x')", ""));
        assertEquals(Status.RUNTIME_ERROR, r.status());
        assertTrue(r.stderr().contains("ValueError"), r.stderr());
    }

    @Test
    void javaCompilesOnceAndRuns() {
        String src = "import java.util.*;\npublic class Doubler {\n  public static void main(String[] a) {\n"
                + "    Scanner s = new Scanner(System.in);\n    System.out.println(2 * s.nextLong());\n  }\n}\n";
        ExecutionResult first = sandbox.execute(ExecutionRequest.of(Language.JAVA, src, "21\n"));
        assertEquals(Status.OK, first.status(), first.toString());
        assertEquals("42", first.stdout().strip());
        long t0 = System.nanoTime();
        ExecutionResult second = sandbox.execute(ExecutionRequest.of(Language.JAVA, src, "50\n"));
        long secondMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("100", second.stdout().strip(), second.toString());
        assertTrue(secondMs < 2000, "a cached class should start without javac, took " + secondMs + " ms");
    }

    @Test
    void javaCompileErrorIsReported() {
        ExecutionResult r = sandbox.execute(ExecutionRequest.of(Language.JAVA,
                "public class Main { public static void main(String[] a) { int x = ; } }", ""));
        assertEquals(Status.COMPILE_ERROR, r.status(), r.toString());
        assertTrue(r.stderr().contains("error"), r.stderr());
    }

    @Test
    void javaExceptionAndHeapExhaustion() {
        ExecutionResult thrown = sandbox.execute(ExecutionRequest.of(Language.JAVA,
                "public class Main { public static void main(String[] a) { throw new IllegalStateException(\"boom\"); } }", ""));
        assertEquals(Status.RUNTIME_ERROR, thrown.status(), thrown.toString());
        assertEquals(1, thrown.exitCode());
        ExecutionResult hog = sandbox.execute(ExecutionRequest.of(Language.JAVA,
                "import java.util.*; public class Main { public static void main(String[] a) {"
                        + " List<long[]> l = new ArrayList<>(); while (true) l.add(new long[1 << 20]); } }", "")
                .withLimits(Limits.defaults().withMemoryBytes(64 * Limits.MIB)));
        assertEquals(Status.MEMORY_LIMIT, hog.status(), hog.toString());
    }
}
