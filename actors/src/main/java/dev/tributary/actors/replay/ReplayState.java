package dev.tributary.actors.replay;

import dev.tributary.model.Trajectory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The replay buffer's state: the {@link ReplayStore} plug-in behind a duplicate filter and an arrival count. Plain
 * state, testable without actors.
 *
 * <p>Arrivals are idempotent: a trajectory arriving with no more segments than this buffer has already seen of
 * it is a copy (a job re-run after its worker was lost re-emits what the lost worker may have delivered) and is
 * dropped, so every trajectory reaches training exactly once. The ids of what the store hands over or evicts are
 * forgotten: every copy a re-run job could produce arrives before the master asks for the batch, so the memory of
 * seen trajectories stays as small as what is in flight instead of growing with the run.
 */
final class ReplayState {
    private final ReplayStore store;
    private final Map<String, Integer> segmentsSeen = new HashMap<>();
    private long received;
    private long duplicates;

    ReplayState(ReplayStore store) {
        this.store = store;
    }

    /** Stores {@code t}; false when it is a copy of something already received (dropped, not counted). */
    boolean add(Trajectory t) {
        Integer seen = segmentsSeen.get(t.id());
        if (seen != null && t.segments().size() <= seen) {
            duplicates++;
            return false;
        }
        if (t.finished() && !t.scored()) {
            throw new IllegalArgumentException("finished trajectory " + t.id() + " reached the replay buffer unscored");
        }
        segmentsSeen.put(t.id(), t.segments().size());
        received++;
        store.add(t);
        forget(store.takeEvicted());
        return true;
    }

    /** Copies dropped so far. */
    long duplicates() {
        return duplicates;
    }

    /** The groups the store hands to training now; their ids, and those of anything it evicted, are forgotten. */
    List<List<Trajectory>> takeCompleteGroups() {
        List<List<Trajectory>> out = store.takeGroups();
        out.forEach(this::forget);
        forget(store.takeEvicted());
        return out;
    }

    private void forget(List<Trajectory> ts) {
        ts.forEach(t -> segmentsSeen.remove(t.id()));
    }

    /** Trajectories whose segment count is remembered (in flight, unfinished or waiting in a group). */
    int remembered() {
        return segmentsSeen.size();
    }

    /** Removes and returns every unfinished trajectory, to be resumed. */
    List<Trajectory> takeUnfinished() {
        return store.takeUnfinished();
    }

    int size() {
        return store.size();
    }

    long received() {
        return received;
    }

    /**
     * Restores a checkpoint's contents into the (empty) store, counting arrivals from {@code received}; only before
     * anything arrived.
     */
    void restore(List<Trajectory> contents, long received) {
        if (this.received > 0 || store.size() > 0) {
            throw new IllegalStateException("replay buffer can only be restored before any trajectory arrived");
        }
        contents.forEach(this::add);
        this.received = received;
    }

    /**
     * Replaces everything held (and the memory of what arrived) with a checkpoint's contents: the run rewinds to
     * it. The arrival count restarts from {@code received}.
     */
    void replace(List<Trajectory> contents, long received) {
        store.clear();
        segmentsSeen.clear();
        this.received = 0;
        restore(contents, received);
    }

    /** Everything held, for checkpoints. */
    List<Trajectory> contents() {
        return store.contents();
    }
}
