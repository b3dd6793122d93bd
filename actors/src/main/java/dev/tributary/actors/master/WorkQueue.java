package dev.tributary.actors.master;

import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWork;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The dispatcher's state: the batches not yet handed to the producer controller, and per round (an iteration's
 * batches) the ids not yet done and the done batches' stats added up. The synchronous driver has one round out at
 * a time; the asynchronous one several.
 *
 * <p>Each update costs what it changes, not what the queue holds: with 1,000 one-job batches in a round (512 workers
 * and 1k trajectories), copying the unsent list on every send and the outstanding set on every answer made a round
 * quadratic, and the master's dispatcher spent a quarter of a load test's CPU there (JFR). The unsent batches are a
 * shared list and a position in it; a round is its ids' positions (shared) and a bit per batch done.
 *
 * @param batches the batches offered and not yet handed out before the last offer, then those offered; the first
 *                {@code sent} of them have been handed out. Never modified (the queue's own lists only).
 */
record WorkQueue(List<RolloutWork.Batch> batches, int sent, Map<Integer, Round> rounds) {
    static final WorkQueue IDLE = new WorkQueue(List.of(), 0, Map.of());

    /**
     * One round's batches: their ids by position (shared by every version of the round), which are done, how many
     * are not, and what the done ones did.
     */
    record Round(Map<String, Integer> positions, BitSet done, int left, RolloutStats stats) {
        static Round of(List<String> ids) {
            Map<String, Integer> positions = new HashMap<>();
            for (int i = 0; i < ids.size(); i++) {
                positions.put(ids.get(i), i);
            }
            return new Round(Map.copyOf(positions), new BitSet(ids.size()), ids.size(), RolloutStats.EMPTY);
        }

        /** The ids not yet done. */
        Set<String> outstanding() {
            Set<String> out = new HashSet<>();
            positions.forEach((id, i) -> {
                if (!done.get(i)) {
                    out.add(id);
                }
            });
            return out;
        }

        /** This round with {@code id} done, or null if it is not one of its batches still outstanding. */
        Round with(String id, RolloutStats batchStats) {
            Integer i = positions.get(id);
            if (i == null || done.get(i)) {
                return null;
            }
            BitSet d = (BitSet) done.clone();
            d.set(i);
            return new Round(positions, d, left - 1, stats.plus(batchStats));
        }

        /** This round with {@code ids} no longer awaited (their stats not counted). */
        Round without(List<String> ids) {
            BitSet d = (BitSet) done.clone();
            int l = left;
            for (String id : ids) {
                Integer i = positions.get(id);
                if (i != null && !d.get(i)) {
                    d.set(i);
                    l--;
                }
            }
            return new Round(positions, d, l, stats);
        }
    }

    /** A round all of whose batches are done. */
    record Completed(int round, RolloutStats stats) {
    }

    WorkQueue {
        rounds = Map.copyOf(rounds);
    }

    /** The batches not yet handed out, in order. */
    List<RolloutWork.Batch> unsent() {
        return batches.subList(sent, batches.size());
    }

    /** Round {@code round}; its stats are its own batches' only. */
    WorkQueue offered(int round, List<RolloutWork.Batch> offered) {
        if (rounds.containsKey(round)) {
            throw new IllegalStateException("rollout round " + round + " was offered again while its batches "
                    + rounds.get(round).outstanding() + " are not done");
        }
        if (offered.isEmpty()) {
            throw new IllegalArgumentException("a rollout round needs at least one batch");
        }
        List<String> ids = offered.stream().map(RolloutWork.Batch::id).toList();
        if (new HashSet<>(ids).size() != ids.size()) {
            throw new IllegalArgumentException("batch ids of a round must be distinct, got " + ids);
        }
        Map<Integer, Round> r = new HashMap<>(rounds);
        r.put(round, Round.of(ids));
        return new WorkQueue(Stream.concat(unsent().stream(), offered.stream()).toList(), 0, r);
    }

    boolean hasUnsent() {
        return sent < batches.size();
    }

    RolloutWork.Batch head() {
        return batches.get(sent);
    }

    WorkQueue sentHead() {
        if (!hasUnsent()) {
            throw new IllegalStateException("no rollout batch left to send");
        }
        // Once half the list is handed out, the rest is copied (amortized constant per send), so that the batches
        // handed out are not held until the next offer.
        if (sent + 1 >= 64 && 2 * (sent + 1) >= batches.size()) {
            return new WorkQueue(List.copyOf(batches.subList(sent + 1, batches.size())), 0, rounds);
        }
        return new WorkQueue(batches, sent + 1, rounds);
    }

    /** Counted once per batch: a batch re-run after its worker was lost may be answered twice. */
    WorkQueue done(String batchId, RolloutStats batchStats) {
        for (var e : rounds.entrySet()) {
            Round updated = e.getValue().with(batchId, batchStats);
            if (updated != null) {
                Map<Integer, Round> r = new HashMap<>(rounds);
                r.put(e.getKey(), updated);
                return new WorkQueue(batches, sent, r);
            }
        }
        return this;
    }

    /** A round whose batches are all done, if any; {@link #without} then forgets it. */
    Optional<Completed> completed() {
        return rounds.entrySet().stream().filter(e -> e.getValue().left() == 0)
                .map(e -> new Completed(e.getKey(), e.getValue().stats())).min(java.util.Comparator
                        .comparingInt(Completed::round));
    }

    WorkQueue without(int round) {
        Map<Integer, Round> r = new HashMap<>(rounds);
        r.remove(round);
        return new WorkQueue(batches, sent, r);
    }

    /** Forgets the batches not yet handed out (a drain): the rounds then wait only for the ones that are out. */
    WorkQueue withoutUnsent() {
        List<String> unsentIds = unsent().stream().map(RolloutWork.Batch::id).toList();
        Map<Integer, Round> r = new HashMap<>();
        rounds.forEach((round, state) -> r.put(round, state.without(unsentIds)));
        return new WorkQueue(List.of(), 0, r);
    }

    /** True when no batch that was handed out is still running. */
    boolean nothingOut() {
        return rounds.values().stream().allMatch(r -> r.left() == 0);
    }

    /** Rounds not yet done. */
    Set<Integer> open() {
        return rounds.keySet();
    }
}
