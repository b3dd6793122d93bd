package dev.tributary.runtime;

import dev.tributary.runtime.job.TrainingJob;
import dev.tributary.runtime.metrics.IterationMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running job, as returned by {@link Tributary#start}: await its result, read its metrics while it runs, or
 * shut it down. Closing the handle shuts the run down if it is still going.
 */
public final class TributaryRun implements AutoCloseable {
    private final TrainingJob job;
    private final CompletableFuture<RunResult> result = new CompletableFuture<>();
    private final Thread thread;

    TributaryRun(TrainingJob job) {
        this.job = job;
        this.thread = new Thread(() -> {
            try {
                result.complete(job.run());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "tributary-run");
        thread.setDaemon(false);
    }

    TributaryRun begin() {
        thread.start();
        return this;
    }

    /** Completes with the result, or exceptionally with what stopped the run. */
    public CompletableFuture<RunResult> completion() {
        return result.copy();
    }

    /** Blocks until the run is over; a failed run throws {@link ExecutionException} with the cause. */
    public RunResult await() throws InterruptedException, ExecutionException {
        return result.get();
    }

    public RunResult await(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The iterations completed so far by this process, oldest first. */
    public List<IterationMetrics> metrics() {
        return job.metrics();
    }

    public Path outDir() {
        return job.outDir();
    }

    public boolean isDone() {
        return result.isDone();
    }

    /**
     * Asks the run to end after the iteration in progress, checkpointed if checkpoints are on; {@link #await()}
     * then returns its result as usual, and {@code --resume} continues from there.
     */
    public void stopAfterIteration() {
        job.stopAfterIteration();
    }

    /** Stops the run at once (SFT at its next step, the actor system now) and waits for it to wind down. */
    public void shutdown() throws InterruptedException {
        job.cancel();
        thread.join(TimeUnit.MINUTES.toMillis(2));
    }

    @Override
    public void close() throws InterruptedException {
        if (!result.isDone()) {
            shutdown();
        }
    }
}
