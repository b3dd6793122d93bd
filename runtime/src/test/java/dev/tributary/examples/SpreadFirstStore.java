package dev.tributary.examples;

import com.typesafe.config.Config;
import dev.tributary.actors.replay.ReplayStore;
import dev.tributary.model.Trajectory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An example replay store to copy: it prefers prompt groups whose rewards differ. A group whose samples all got
 * the same reward carries no signal for a group baseline (every advantage is zero), so it is dropped; of the
 * rest, at most {@code max-groups} with the widest reward spread go to training each time, and the others wait for
 * the next batch (at most {@code max-groups} of them; the narrowest beyond that are dropped).
 *
 * <p>Choose it with {@code tributary.replay.store = dev.tributary.examples.SpreadFirstStore}; its settings live
 * under {@code tributary.replay.SpreadFirstStore} ({@code max-groups}, default: the prompts per iteration).
 */
public final class SpreadFirstStore implements ReplayStore {
    private final ReplayStore groups;
    private final int maxGroups;
    private final List<List<Trajectory>> waiting = new ArrayList<>();
    private final List<Trajectory> evicted = new ArrayList<>();
    private int waitingSize;

    public SpreadFirstStore(Config settings, ReplayStore.Context context) {
        this.groups = ReplayStore.grouped(context.groupSize());
        this.maxGroups = settings.hasPath("max-groups") ? settings.getInt("max-groups")
                : context.promptsPerIteration();
        if (maxGroups < 1) {
            throw new IllegalArgumentException("tributary.replay.SpreadFirstStore.max-groups = " + maxGroups
                    + ": expected an integer >= 1");
        }
    }

    /** The difference between the best and the worst reward of a group. */
    static double spread(List<Trajectory> group) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Trajectory t : group) {
            lo = Math.min(lo, t.reward());
            hi = Math.max(hi, t.reward());
        }
        return hi - lo;
    }

    @Override
    public void add(Trajectory trajectory) {
        groups.add(trajectory);
    }

    @Override
    public List<List<Trajectory>> takeGroups() {
        for (List<Trajectory> g : groups.takeGroups()) {
            if (spread(g) > 0) {
                waiting.add(g);
                waitingSize += g.size();
            } else {
                evicted.addAll(g);
            }
        }
        waiting.sort(Comparator.comparingDouble(SpreadFirstStore::spread).reversed());
        List<List<Trajectory>> out = new ArrayList<>(waiting.subList(0, Math.min(maxGroups, waiting.size())));
        out.forEach(this::remove);
        while (waiting.size() > maxGroups) {
            List<Trajectory> narrowest = waiting.get(waiting.size() - 1);
            remove(narrowest);
            evicted.addAll(narrowest);
        }
        return out;
    }

    private void remove(List<Trajectory> group) {
        waiting.remove(group);
        waitingSize -= group.size();
    }

    @Override
    public List<Trajectory> takeEvicted() {
        List<Trajectory> out = List.copyOf(evicted);
        evicted.clear();
        return out;
    }

    @Override
    public List<Trajectory> takeUnfinished() {
        return groups.takeUnfinished();
    }

    @Override
    public List<Trajectory> contents() {
        List<Trajectory> out = new ArrayList<>(groups.contents());
        waiting.forEach(out::addAll);
        return out;
    }

    @Override
    public int size() {
        return groups.size() + waitingSize;
    }
}
