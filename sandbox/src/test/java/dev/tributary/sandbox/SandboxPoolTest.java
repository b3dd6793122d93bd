package dev.tributary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SandboxPoolTest {

    private static Sandbox sandbox;

    @BeforeAll
    static void start() {
        sandbox = Hosts.isolatedSandbox();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    @Test
    void fullQueue_refusesWithAClearError_andKeepsWhatItAccepted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        try (SandboxPool pool = new SandboxPool(sandbox, /* workers= */ 1, /* queueCapacity= */ 1)) {
            CompletableFuture<String> busy = pool.submit(s -> {
                running.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return s.execute(ExecutionRequest.of(Language.PYTHON3, "print('first')", "")).stdout().strip();
            });
            assertTrue(running.await(10, TimeUnit.SECONDS));
            CompletableFuture<ExecutionResult> queued =
                    pool.submit(ExecutionRequest.of(Language.PYTHON3, "print('second')", ""));
            assertEquals(1, pool.queued());
            SandboxBusyException refused = assertThrows(SandboxBusyException.class,
                    () -> pool.submit(ExecutionRequest.of(Language.PYTHON3, "print('third')", "")));
            assertTrue(refused.getMessage().contains("queue holds 1 of 1"), refused.getMessage());
            release.countDown();
            assertEquals("first", busy.get(30, TimeUnit.SECONDS));
            assertEquals("second", queued.get(30, TimeUnit.SECONDS).stdout().strip());
        }
    }

    @Test
    void concurrentRunsAllComplete() throws Exception {
        try (SandboxPool pool = new SandboxPool(sandbox, 3, 16)) {
            CompletableFuture<?>[] runs = new CompletableFuture<?>[8];
            for (int i = 0; i < runs.length; i++) {
                runs[i] = pool.submit(ExecutionRequest.of(Language.PYTHON3, "print(" + i + " * 2)", ""));
            }
            for (int i = 0; i < runs.length; i++) {
                ExecutionResult r = (ExecutionResult) runs[i].get(30, TimeUnit.SECONDS);
                assertEquals(Integer.toString(i * 2), r.stdout().strip(), r.toString());
            }
        }
        Hosts.assertNothingSurvives();
    }
}
