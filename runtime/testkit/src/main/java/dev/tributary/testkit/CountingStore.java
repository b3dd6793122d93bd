package dev.tributary.testkit;

import dev.tributary.actors.replay.ReplayStore;
import dev.tributary.model.Trajectory;
import java.util.List;

/**
 * The run's replay store (whichever the settings choose) with every arrival and eviction told to the {@link Ledger}.
 * Synchronized, so that the harness can read what it holds once the run is over.
 */
final class CountingStore implements ReplayStore {
    private final ReplayStore inner;
    private final Ledger ledger;

    CountingStore(ReplayStore inner, Ledger ledger) {
        this.inner = inner;
        this.ledger = ledger;
    }

    @Override
    public synchronized void add(Trajectory trajectory) {
        ledger.stored(trajectory);
        inner.add(trajectory);
    }

    @Override
    public synchronized List<List<Trajectory>> takeGroups() {
        return inner.takeGroups();
    }

    @Override
    public synchronized List<List<Trajectory>> takeGroups(int max) {
        return inner.takeGroups(max);
    }

    @Override
    public synchronized int completeGroups() {
        return inner.completeGroups();
    }

    @Override
    public synchronized List<Trajectory> takeUnfinished() {
        return inner.takeUnfinished();
    }

    @Override
    public synchronized List<Trajectory> takeEvicted() {
        List<Trajectory> evicted = inner.takeEvicted();
        ledger.evicted(evicted);
        return evicted;
    }

    @Override
    public synchronized List<Trajectory> contents() {
        return inner.contents();
    }

    @Override
    public synchronized void clear() {
        inner.clear();
    }

    @Override
    public synchronized int size() {
        return inner.size();
    }
}
