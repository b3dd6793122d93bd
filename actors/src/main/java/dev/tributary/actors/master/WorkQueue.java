package dev.tributary.actors.master;

import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWork;
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
 */
record WorkQueue(List<RolloutWork.Batch> unsent, Map<Integer, Round> rounds) {
    static final WorkQueue IDLE = new WorkQueue(List.of(), Map.of());

    /** One round's batches not yet done, and what the done ones did. */
    record Round(Set<String> outstanding, RolloutStats stats) {
        Round {
            outstanding = Set.copyOf(outstanding);
        }
    }

    /** A round all of whose batches are done. */
    record Completed(int round, RolloutStats stats) {
    }

    WorkQueue {
        unsent = List.copyOf(unsent);
        rounds = Map.copyOf(rounds);
    }

    /** Round {@code round}; its stats are its own batches' only. */
    WorkQueue offered(int round, List<RolloutWork.Batch> batches) {
        if (rounds.containsKey(round)) {
            throw new IllegalStateException("rollout round " + round + " was offered again while its batches "
                    + rounds.get(round).outstanding() + " are not done");
        }
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("a rollout round needs at least one batch");
        }
        Set<String> ids = new HashSet<>();
        batches.forEach(b -> ids.add(b.id()));
        if (ids.size() != batches.size()) {
            throw new IllegalArgumentException("batch ids of a round must be distinct, got " + batches.stream()
                    .map(RolloutWork.Batch::id).toList());
        }
        Map<Integer, Round> r = new HashMap<>(rounds);
        r.put(round, new Round(ids, RolloutStats.EMPTY));
        return new WorkQueue(Stream.concat(unsent.stream(), batches.stream()).toList(), r);
    }

    boolean hasUnsent() {
        return !unsent.isEmpty();
    }

    RolloutWork.Batch head() {
        return unsent.get(0);
    }

    WorkQueue sentHead() {
        return new WorkQueue(unsent.subList(1, unsent.size()), rounds);
    }

    /** Counted once per batch: a batch re-run after its worker was lost may be answered twice. */
    WorkQueue done(String batchId, RolloutStats batchStats) {
        for (var e : rounds.entrySet()) {
            if (e.getValue().outstanding().contains(batchId)) {
                Set<String> left = new HashSet<>(e.getValue().outstanding());
                left.remove(batchId);
                Map<Integer, Round> r = new HashMap<>(rounds);
                r.put(e.getKey(), new Round(left, e.getValue().stats().plus(batchStats)));
                return new WorkQueue(unsent, r);
            }
        }
        return this;
    }

    /** A round whose batches are all done, if any; {@link #without} then forgets it. */
    Optional<Completed> completed() {
        return rounds.entrySet().stream().filter(e -> e.getValue().outstanding().isEmpty())
                .map(e -> new Completed(e.getKey(), e.getValue().stats())).min(java.util.Comparator
                        .comparingInt(Completed::round));
    }

    WorkQueue without(int round) {
        Map<Integer, Round> r = new HashMap<>(rounds);
        r.remove(round);
        return new WorkQueue(unsent, r);
    }

    /** Forgets the batches not yet handed out (a drain): the rounds then wait only for the ones that are out. */
    WorkQueue withoutUnsent() {
        Map<Integer, Round> r = new HashMap<>();
        rounds.forEach((round, state) -> {
            Set<String> out = new HashSet<>(state.outstanding());
            unsent.forEach(b -> out.remove(b.id()));
            r.put(round, new Round(out, state.stats()));
        });
        return new WorkQueue(List.of(), r);
    }

    /** True when no batch that was handed out is still running. */
    boolean nothingOut() {
        return rounds.values().stream().allMatch(r -> r.outstanding().isEmpty());
    }

    /** Rounds not yet done. */
    Set<Integer> open() {
        return rounds.keySet();
    }
}
