package dev.tributary.actors.replay;

import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryIds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in replay store {@code groups}: finished trajectories wait in their prompt's group until all k are in;
 * complete groups are handed over in the order they completed; unfinished ones wait to be resumed.
 */
final class GroupedStore implements ReplayStore {
    private final int groupSize;
    private final Map<String, List<Trajectory>> pendingGroups = new LinkedHashMap<>();
    private final Map<String, List<Trajectory>> completeGroups = new LinkedHashMap<>();
    private final Map<String, Trajectory> unfinished = new LinkedHashMap<>();
    /** Kept as a count so an arrival costs O(1). */
    private int held;

    GroupedStore(int groupSize) {
        if (groupSize < 1) {
            throw new IllegalArgumentException("replay group size " + groupSize + " must be >= 1");
        }
        this.groupSize = groupSize;
    }

    @Override
    public void add(Trajectory t) {
        if (!t.finished()) {
            if (unfinished.put(t.id(), t) == null) {
                held++;
            }
            return;
        }
        String group = TrajectoryIds.group(t.id());
        List<Trajectory> g = pendingGroups.computeIfAbsent(group, k -> new ArrayList<>());
        if (g.stream().anyMatch(x -> x.id().equals(t.id()))) {
            throw new IllegalArgumentException("trajectory " + t.id() + " was already delivered to the replay buffer");
        }
        g.add(t);
        held++;
        if (g.size() == groupSize) {
            completeGroups.put(group, List.copyOf(g));
            pendingGroups.remove(group);
        }
    }

    @Override
    public List<List<Trajectory>> takeGroups() {
        List<List<Trajectory>> out = new ArrayList<>(completeGroups.values());
        completeGroups.clear();
        out.forEach(g -> held -= g.size());
        return out;
    }

    @Override
    public List<List<Trajectory>> takeGroups(int max) {
        if (max <= 0 || max >= completeGroups.size()) {
            return takeGroups();
        }
        List<List<Trajectory>> out = new ArrayList<>(max);
        var it = completeGroups.values().iterator();
        while (out.size() < max) {
            List<Trajectory> g = it.next();
            it.remove();
            held -= g.size();
            out.add(g);
        }
        return out;
    }

    @Override
    public int completeGroups() {
        return completeGroups.size();
    }

    @Override
    public List<Trajectory> takeUnfinished() {
        List<Trajectory> out = new ArrayList<>(unfinished.values());
        unfinished.clear();
        held -= out.size();
        return out;
    }

    @Override
    public void clear() {
        pendingGroups.clear();
        completeGroups.clear();
        unfinished.clear();
        held = 0;
    }

    /** Complete and pending groups' members, then unfinished trajectories. */
    @Override
    public List<Trajectory> contents() {
        List<Trajectory> out = new ArrayList<>();
        completeGroups.values().forEach(out::addAll);
        pendingGroups.values().forEach(out::addAll);
        out.addAll(unfinished.values());
        return out;
    }

    @Override
    public int size() {
        return held;
    }
}
