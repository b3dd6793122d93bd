package dev.tributary.sandbox;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A fixed number of workers running sandbox work, with a bounded queue in front. A submission that
 * finds the queue full is refused with {@link SandboxBusyException}; nothing is silently dropped.
 */
public final class SandboxPool implements AutoCloseable {

    private final Sandbox sandbox;
    private final ThreadPoolExecutor executor;
    private final int queueCapacity;

    public SandboxPool(Sandbox sandbox, int workers, int queueCapacity) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers " + workers + " must be >= 1");
        }
        if (queueCapacity < 0) {
            throw new IllegalArgumentException("queue capacity " + queueCapacity + " must be >= 0");
        }
        this.sandbox = sandbox;
        this.queueCapacity = queueCapacity;
        AtomicInteger ids = new AtomicInteger();
        // capacity 0 would need a SynchronousQueue; one slot is the smallest ArrayBlockingQueue
        this.executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS,
                queueCapacity == 0 ? new java.util.concurrent.SynchronousQueue<>()
                        : new ArrayBlockingQueue<>(queueCapacity),
                r -> {
                    Thread t = new Thread(r, "sandbox-worker-" + ids.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy());
    }

    /** Runs one request. @throws SandboxBusyException when the queue is full */
    public CompletableFuture<ExecutionResult> submit(ExecutionRequest request) {
        return submit(s -> s.execute(request));
    }

    /** Runs any sandbox work (a whole judging, say) on a worker. @throws SandboxBusyException when full */
    public <T> CompletableFuture<T> submit(Function<Sandbox, T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    result.complete(work.apply(sandbox));
                } catch (RuntimeException | Error e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            throw new SandboxBusyException("sandbox pool refused the submission: " + executor.getActiveCount()
                    + " of " + executor.getMaximumPoolSize() + " workers busy and the queue holds "
                    + executor.getQueue().size() + " of " + queueCapacity
                    + (executor.isShutdown() ? " (pool is shut down)" : "; retry later or raise the queue capacity"));
        }
        return result;
    }

    public int queued() {
        return executor.getQueue().size();
    }

    public Sandbox sandbox() {
        return sandbox;
    }

    /** Stops taking work and waits for running work to end; the sandbox itself stays open. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
