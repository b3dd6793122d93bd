package dev.tributary.actors.master;

import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWork;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The dispatcher's state: the batches of the current round not yet handed to the producer controller, the ids not
 * yet done, and the done batches' stats added up.
 */
record WorkQueue(List<RolloutWork.Batch> unsent, Set<String> outstanding, RolloutStats stats) {
    static final WorkQueue IDLE = new WorkQueue(List.of(), Set.of(), RolloutStats.EMPTY);

    WorkQueue {
        unsent = List.copyOf(unsent);
        outstanding = Set.copyOf(outstanding);
    }

    /** A new round; one at a time, so that a round's stats are its own batches' only. */
    WorkQueue offered(List<RolloutWork.Batch> batches) {
        if (!outstanding.isEmpty()) {
            throw new IllegalStateException("a rollout round of " + batches.size() + " batches was offered while "
                    + outstanding.size() + " batches of the last are not done: " + outstanding);
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
        return new WorkQueue(Stream.concat(unsent.stream(), batches.stream()).toList(), ids, RolloutStats.EMPTY);
    }

    boolean hasUnsent() {
        return !unsent.isEmpty();
    }

    RolloutWork.Batch head() {
        return unsent.get(0);
    }

    WorkQueue sentHead() {
        return new WorkQueue(unsent.subList(1, unsent.size()), outstanding, stats);
    }

    /** Counted once per batch: a batch re-run after its worker was lost may be answered twice. */
    WorkQueue done(String batchId, RolloutStats batchStats) {
        if (!outstanding.contains(batchId)) {
            return this;
        }
        Set<String> left = new HashSet<>(outstanding);
        left.remove(batchId);
        return new WorkQueue(unsent, left, stats.plus(batchStats));
    }

    boolean roundDone() {
        return outstanding.isEmpty();
    }
}
