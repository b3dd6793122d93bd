package dev.tributary.testkit;

import dev.tributary.runtime.metrics.IterationMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.FishingOutcome;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;

/**
 * What a test waits on instead of polling progress text: a {@link TestProbe} of the test's ActorTestKit that gets
 * every iteration the run records, as it is recorded, and then the run's end. {@link #awaitIteration} blocks until
 * an iteration is done, and fails at once, with the run's failure, if the run ends before it.
 *
 * <pre>{@code
 * IterationMetrics second = load.iterations().awaitIteration(2, Duration.ofMinutes(1));
 * }</pre>
 */
public final class IterationProbe {
    /** What the probe receives. */
    public sealed interface Event permits Iteration, Ended {
    }

    /** An iteration was recorded (its metrics row, as {@code metrics.csv} has it). */
    public record Iteration(IterationMetrics metrics) implements Event {
    }

    /** The run ended: {@code failure} is null when it reached its end, otherwise what stopped it. */
    public record Ended(Throwable failure) implements Event {
    }

    private final TestProbe<Event> probe;
    /** Iterations taken off the probe so far, by number: a test may ask for one it has passed. */
    private final Map<Integer, IterationMetrics> seen = new TreeMap<>();
    private Ended ended;

    IterationProbe(TestProbe<Event> probe) {
        this.probe = probe;
    }

    /** The underlying probe, for {@code expectMessage}-style tests of its events. */
    public TestProbe<Event> probe() {
        return probe;
    }

    /**
     * Waits at most {@code max} until iteration {@code iteration} is recorded and returns its metrics; fails if the
     * run ends first (with the run's failure as the cause) or the time runs out.
     */
    public synchronized IterationMetrics awaitIteration(int iteration, Duration max) {
        IterationMetrics got = seen.get(iteration);
        if (got != null) {
            return got;
        }
        failIfEnded("before iteration " + iteration);
        Event last = last(probe.fishForMessage(max, "iteration " + iteration, e -> fish(e, iteration)).toArray());
        if (last instanceof Ended e) {
            ended = e;
            failIfEnded("before iteration " + iteration);
        }
        return seen.get(iteration);
    }

    /** Waits at most {@code max} for the next iteration this probe has not handed out yet. */
    public synchronized IterationMetrics next(Duration max) {
        int next = seen.isEmpty() ? 1 : ((TreeMap<Integer, IterationMetrics>) seen).lastKey() + 1;
        return awaitIteration(next, max);
    }

    private FishingOutcome fish(Event e, int iteration) {
        if (e instanceof Iteration i) {
            seen.put(i.metrics().iteration(), i.metrics());
            return i.metrics().iteration() >= iteration ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore();
        }
        return FishingOutcomes.complete();
    }

    private void failIfEnded(String when) {
        if (ended == null) {
            return;
        }
        Throwable f = ended.failure();
        throw new AssertionError("the load test's run ended " + when + ": "
                + (f == null ? "it reached its last iteration (" + seen.keySet() + " recorded)" : oneLine(f)), f);
    }

    private static Event last(Object[] events) {
        return (Event) events[events.length - 1];
    }

    static String oneLine(Throwable t) {
        Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        String m = c.getMessage();
        return m == null || m.isBlank() ? c.getClass().getSimpleName() : m.replaceAll("\\s*\\R\\s*", " ");
    }
}
