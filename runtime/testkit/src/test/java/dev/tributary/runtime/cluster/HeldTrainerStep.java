package dev.tributary.runtime.cluster;

import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.trainer.TrainerStep;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.TrajectoryBatch;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The built-in minibatch step, which holds its step number {@link #holdAt} until {@link #release} is counted down:
 * a test decides when a node goes away relative to the run, not the speed of the machine. Named by its class in
 * the settings ({@code tributary.trainer.step}), so that forked nodes resolve it too; only this JVM's trainer holds.
 */
public final class HeldTrainerStep implements TrainerStep {
    static volatile int holdAt = Integer.MAX_VALUE;
    static volatile CountDownLatch release = new CountDownLatch(0);
    static final AtomicInteger steps = new AtomicInteger();
    /** Completed when the held step is reached: what a test waits on before it takes a node away. */
    static volatile CompletableFuture<Integer> held = new CompletableFuture<>();

    private final TrainerStep minibatch;

    public HeldTrainerStep(Context ctx) {
        this.minibatch = TrainerStep.registry().create("minibatch", ConfigFactory.empty(), ctx);
    }

    /** Steps are not held (the default). */
    static void noHold() {
        holdAt = Integer.MAX_VALUE;
        release.countDown();
    }

    /** From now on, the {@code step}-th training step (from 1) is held until {@link #release} is counted down. */
    static void holdAt(int step) {
        steps.set(0);
        held = new CompletableFuture<>();
        release = new CountDownLatch(1);
        holdAt = step;
    }

    /**
     * Waits at most {@code max} until the trainer holds the step of {@link #holdAt}; fails with {@code progress}
     * (the run's lines) if it does not.
     */
    static void awaitHeld(Duration max, Supplier<String> progress) {
        try {
            held.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the run did not reach training step " + holdAt + " within " + max + ":\n"
                    + progress.get(), e);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the held step", e);
        }
    }

    @Override
    public Outcome train(TrajectoryBatch batch, PolicyVersion version) {
        if (steps.incrementAndGet() == holdAt) {
            held.complete(holdAt);
            try {
                release.await(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return minibatch.train(batch, version);
    }
}
