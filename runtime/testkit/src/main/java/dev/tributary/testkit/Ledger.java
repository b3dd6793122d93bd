package dev.tributary.testkit;

import dev.tributary.model.Trajectory;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * What every synthetic role and the counting wrappers saw, for the load report: each trajectory's path from its
 * first job to training (the exactly-once count), and the synthetic events (emissions and their copies, engine
 * crashes, hangs, reward failures, the roles' own CPU time). Called from many threads at once: per prompt group
 * under the group's lock, counters lock-free. Trajectory ids are the master's {@code <group>/<sample>}.
 */
final class Ledger {
    private final ConcurrentHashMap<String, Group> groups = new ConcurrentHashMap<>();
    private final LongAdder emissions = new LongAdder();
    private final LongAdder copiesEmitted = new LongAdder();
    private final LongAdder copiesStored = new LongAdder();
    private final LongAdder finishedEmitted = new LongAdder();
    private final LongAdder tokensEmitted = new LongAdder();
    private final LongAdder crashes = new LongAdder();
    private final LongAdder hangs = new LongAdder();
    private final LongAdder rewardFailures = new LongAdder();
    private final LongAdder syntheticCpuNanos = new LongAdder();
    private final LongAdder trainSteps = new LongAdder();
    private final AtomicLong weightsBytes = new AtomicLong();
    private volatile Consumer<String> onFinished = id -> { };
    private final LongAdder stores = new LongAdder();
    private final java.util.concurrent.atomic.AtomicBoolean anyStarted = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Runnable onFirstStart = () -> { };
    private volatile java.util.function.LongConsumer onStored = n -> { };

    /** Where a trajectory of one prompt group has been, sample by sample. */
    private static final class Group {
        final BitSet started = new BitSet();
        final BitSet trained = new BitSet();
        final BitSet evicted = new BitSet();
        final BitSet duplicated = new BitSet();
        /** Per sample, the most segments emitted and stored so far (a copy has no more than that). */
        int[] emitted = new int[0];
        int[] stored = new int[0];

        static int[] grown(int[] a, int sample) {
            return sample < a.length ? a : java.util.Arrays.copyOf(a, Math.max(sample + 1, 2 * a.length));
        }
    }

    /** Called with the id of every trajectory the first time it is emitted finished (the fault injector's clock). */
    void onFinished(Consumer<String> listener) {
        onFinished = listener;
    }

    /**
     * {@code first} runs when the first job starts; {@code stored} gets the count of the store's arrivals after each
     * (the harness reads the live heap at both moments of the first iteration).
     */
    void onProgress(Runnable first, java.util.function.LongConsumer stored) {
        onFirstStart = first;
        onStored = stored;
    }

    /** A job for {@code id} was run (fresh or resumed). */
    void started(String id) {
        if (!anyStarted.get() && anyStarted.compareAndSet(false, true)) {
            onFirstStart.run();
        }
        Group g = group(id);
        synchronized (g) {
            g.started.set(sample(id));
        }
    }

    /** A synthetic worker emitted {@code t}; a form already emitted is a copy (an engine re-run or a re-sent batch). */
    void emitted(Trajectory t) {
        String id = t.id();
        int s = sample(id);
        Group g = group(id);
        boolean first;
        synchronized (g) {
            g.emitted = Group.grown(g.emitted, s);
            first = t.segments().size() > g.emitted[s];
            if (first) {
                g.emitted[s] = t.segments().size();
            }
        }
        emissions.increment();
        if (!first) {
            copiesEmitted.increment();
            return;
        }
        tokensEmitted.add(t.segments().get(t.segments().size() - 1).length());
        if (t.finished()) {
            finishedEmitted.increment();
            onFinished.accept(id);
        }
    }

    /** The replay store took {@code t}; one whose form it already took is a copy the buffer let through. */
    void stored(Trajectory t) {
        String id = t.id();
        int s = sample(id);
        Group g = group(id);
        synchronized (g) {
            g.started.set(s);
            g.stored = Group.grown(g.stored, s);
            if (t.segments().size() <= g.stored[s]) {
                g.duplicated.set(s);
                copiesStored.increment();
            } else {
                g.stored[s] = t.segments().size();
            }
        }
        stores.increment();
        onStored.accept(stores.sum());
    }

    /** The store let go of {@code ts} by design (not trained, not lost). */
    void evicted(Collection<Trajectory> ts) {
        for (Trajectory t : ts) {
            Group g = group(t.id());
            synchronized (g) {
                g.evicted.set(sample(t.id()));
            }
        }
    }

    /** The trainer step was given {@code ts}. */
    void trained(Collection<Trajectory> ts) {
        trainSteps.increment();
        for (Trajectory t : ts) {
            int s = sample(t.id());
            Group g = group(t.id());
            synchronized (g) {
                if (g.trained.get(s)) {
                    g.duplicated.set(s);
                }
                g.trained.set(s);
            }
        }
    }

    void crashed() {
        crashes.increment();
    }

    void hung() {
        hangs.increment();
    }

    void rewardFailed() {
        rewardFailures.increment();
    }

    /** CPU time a synthetic role spent on its own work (not the runtime's), measured on its thread. */
    void syntheticCpu(long nanos) {
        syntheticCpuNanos.add(nanos);
    }

    void weightsBytes(long bytes) {
        weightsBytes.set(bytes);
    }

    long syntheticCpuNanos() {
        return syntheticCpuNanos.sum();
    }

    long finishedEmitted() {
        return finishedEmitted.sum();
    }

    long tokensEmitted() {
        return tokensEmitted.sum();
    }

    /**
     * The exactly-once count once the run is over: every trajectory started must have been trained once, be
     * held by the replay store at the end ({@code heldAtEnd}: its group is still waiting, or it was cut and waits
     * for its next segment), or have been evicted by the store.
     */
    LoadReport.ExactlyOnce account(List<Trajectory> heldAtEnd) {
        for (Trajectory t : heldAtEnd) {
            Group g = group(t.id());
            synchronized (g) {
                int s = sample(t.id());
                if (g.trained.get(s)) {
                    g.duplicated.set(s);
                }
            }
        }
        java.util.Map<String, BitSet> held = new java.util.HashMap<>();
        for (Trajectory t : heldAtEnd) {
            held.computeIfAbsent(groupOf(t.id()), x -> new BitSet()).set(sample(t.id()));
        }
        long started = 0;
        long trained = 0;
        long evicted = 0;
        long lost = 0;
        long duplicated = 0;
        for (var e : groups.entrySet()) {
            Group g = e.getValue();
            synchronized (g) {
                BitSet accounted = (BitSet) g.trained.clone();
                accounted.or(g.evicted);
                accounted.or(held.getOrDefault(e.getKey(), new BitSet()));
                BitSet missing = (BitSet) g.started.clone();
                missing.andNot(accounted);
                started += g.started.cardinality();
                trained += g.trained.cardinality();
                evicted += g.evicted.cardinality();
                lost += missing.cardinality();
                duplicated += g.duplicated.cardinality();
            }
        }
        return new LoadReport.ExactlyOnce(started, trained, heldAtEnd.size(), evicted, lost, duplicated,
                emissions.sum(), copiesEmitted.sum(), copiesEmitted.sum() - copiesStored.sum());
    }

    LoadReport.Synthetic synthetic() {
        return new LoadReport.Synthetic(finishedEmitted.sum(), tokensEmitted.sum(), crashes.sum(), hangs.sum(),
                rewardFailures.sum(), trainSteps.sum(), weightsBytes.get(), syntheticCpuNanos.sum());
    }

    private Group group(String id) {
        return groups.computeIfAbsent(groupOf(id), x -> new Group());
    }

    private static String groupOf(String id) {
        return id.substring(0, Math.max(0, id.lastIndexOf('/')));
    }

    private static int sample(String id) {
        try {
            return Integer.parseInt(id.substring(id.lastIndexOf('/') + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("trajectory id '" + id + "': expected <group>/<sample>", e);
        }
    }
}
