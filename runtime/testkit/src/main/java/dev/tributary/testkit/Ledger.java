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
    /** Trajectory forms offered to the segment stream and not yet taken by the replay store, and their most. */
    private final AtomicLong inStream = new AtomicLong();
    private final AtomicLong inStreamHighWater = new AtomicLong();
    /** Trained response tokens by staleness: versions between the one trained and the one that generated them. */
    private final java.util.TreeMap<Long, Long> tokensByAge = new java.util.TreeMap<>();

    /** Where a trajectory of one prompt group has been, sample by sample. */
    private static final class Group {
        final BitSet started = new BitSet();
        final BitSet trained = new BitSet();
        final BitSet evicted = new BitSet();
        final BitSet duplicated = new BitSet();
        /** Per sample, the most segments emitted and stored so far (a copy has no more than that). */
        int[] emitted = new int[0];
        int[] stored = new int[0];
        /** Per sample, the most segments offered to the segment stream so far. */
        int[] entered = new int[0];

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

    /**
     * A synthetic worker is about to offer {@code t} to its segment stream (it may block there while the queue is
     * full). A form offered before is a copy and is not counted again: each form counts from its first offer to its
     * first arrival in the replay store, whichever copy arrives.
     */
    void entering(Trajectory t) {
        int s = sample(t.id());
        Group g = group(t.id());
        synchronized (g) {
            g.entered = Group.grown(g.entered, s);
            if (t.segments().size() <= g.entered[s]) {
                return;
            }
            g.entered[s] = t.segments().size();
        }
        long n = inStream.incrementAndGet();
        if (n > inStreamHighWater.get()) {
            inStreamHighWater.accumulateAndGet(n, Math::max);
        }
    }

    /** The most trajectories that were in the segment streams at once (offered, not yet in the replay store). */
    long streamHighWater() {
        return inStreamHighWater.get();
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
                // Its first arrival: it has left the segment stream (if a synthetic worker offered it).
                if (s < g.entered.length && g.entered[s] >= t.segments().size()) {
                    inStream.decrementAndGet();
                }
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

    /** The trainer step was given {@code ts} to train version {@code trained} on. */
    void trained(Collection<Trajectory> ts, dev.tributary.model.PolicyVersion trained) {
        trainSteps.increment();
        // Staleness as the runtime defines it (its per-step percentiles): per token, against the version trained.
        java.util.Map<Long, Long> ages = new java.util.HashMap<>();
        for (Trajectory t : ts) {
            for (dev.tributary.model.Segment seg : t.segments()) {
                ages.merge(Math.max(0, trained.number() - seg.policyVersion()), (long) seg.length(), Long::sum);
            }
        }
        synchronized (tokensByAge) {
            ages.forEach((age, n) -> tokensByAge.merge(age, n, Long::sum));
        }
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
    LoadReport.ExactlyOnce account(List<Trajectory> heldAtEnd, int lastIteration) {
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
        long sentAhead = 0;
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
                if (round(e.getKey()) > lastIteration) {
                    sentAhead += missing.cardinality();
                } else {
                    lost += missing.cardinality();
                }
                duplicated += g.duplicated.cardinality();
            }
        }
        return new LoadReport.ExactlyOnce(started, trained, heldAtEnd.size(), evicted, sentAhead, lost, duplicated,
                emissions.sum(), copiesEmitted.sum(), copiesEmitted.sum() - copiesStored.sum());
    }

    /** Trained tokens by staleness over the whole run: its percentiles and histogram. */
    LoadReport.Staleness staleness() {
        java.util.TreeMap<Long, Long> h;
        synchronized (tokensByAge) {
            h = new java.util.TreeMap<>(tokensByAge);
        }
        long tokens = h.values().stream().mapToLong(Long::longValue).sum();
        java.util.SortedMap<Integer, Long> byAge = new java.util.TreeMap<>();
        h.forEach((age, n) -> byAge.put(age.intValue(), n));
        return new LoadReport.Staleness(percentile(h, tokens, 0.50), percentile(h, tokens, 0.99),
                h.isEmpty() ? 0 : h.lastKey().intValue(), tokens, byAge);
    }

    private static int percentile(java.util.TreeMap<Long, Long> h, long tokens, double q) {
        long seen = 0;
        for (var e : h.entrySet()) {
            seen += e.getValue();
            if (seen >= Math.ceil(q * tokens)) {
                return e.getKey().intValue();
            }
        }
        return 0;
    }

    LoadReport.Synthetic synthetic() {
        return new LoadReport.Synthetic(finishedEmitted.sum(), tokensEmitted.sum(), crashes.sum(), hangs.sum(),
                rewardFailures.sum(), trainSteps.sum(), weightsBytes.get(), syntheticCpuNanos.sum());
    }

    private Group group(String id) {
        return groups.computeIfAbsent(groupOf(id), x -> new Group());
    }

    /** The round a group was started for, from the master's {@code i<round>-q<prompt>} group id (0 if another). */
    private static int round(String group) {
        int dash = group.indexOf('-');
        if (!group.startsWith("i") || dash < 2) {
            return 0;
        }
        try {
            return Integer.parseInt(group.substring(1, dash));
        } catch (NumberFormatException e) {
            return 0;
        }
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
