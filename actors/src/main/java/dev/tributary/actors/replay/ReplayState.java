package dev.tributary.actors.replay;

import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryIds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the replay buffer holds: finished trajectories grouped until all k samples of a prompt are in, and
 * unfinished ones (cut by the token budget) until they are resumed. Plain state, testable without actors.
 *
 * <p>Arrivals are idempotent: a trajectory arriving with no more segments than this buffer has already seen of
 * it is a copy (a job re-run after its worker was lost re-emits what the lost worker may have delivered) and is
 * dropped, so every trajectory reaches training exactly once.
 */
final class ReplayState {
    private final int groupSize;
    private final Map<String, List<Trajectory>> pendingGroups = new LinkedHashMap<>();
    private final Map<String, List<Trajectory>> completeGroups = new LinkedHashMap<>();
    private final Map<String, Trajectory> unfinished = new LinkedHashMap<>();
    private final Map<String, Integer> segmentsSeen = new HashMap<>();
    private long received;
    /** Trajectories held (unfinished, pending and complete groups), kept as a count so an arrival costs O(1). */
    private int held;
    private long duplicates;

    ReplayState(int groupSize) {
        if (groupSize < 1) {
            throw new IllegalArgumentException("replay group size " + groupSize + " must be >= 1");
        }
        this.groupSize = groupSize;
    }

    /** Stores {@code t}; false when it is a copy of something already received (dropped, not counted). */
    boolean add(Trajectory t) {
        Integer seen = segmentsSeen.get(t.id());
        if (seen != null && t.segments().size() <= seen) {
            duplicates++;
            return false;
        }
        segmentsSeen.put(t.id(), t.segments().size());
        received++;
        if (!t.finished()) {
            if (unfinished.put(t.id(), t) == null) {
                held++;
            }
            return true;
        }
        if (!t.scored()) {
            throw new IllegalArgumentException("finished trajectory " + t.id() + " reached the replay buffer unscored");
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
        return true;
    }

    /** Copies dropped so far. */
    long duplicates() {
        return duplicates;
    }

    /**
     * Removes and returns every complete group. Their ids are forgotten: every copy a re-run job could produce
     * arrives before the master asks for the batch, so the memory of seen trajectories stays as small as what is
     * in flight instead of growing with the run.
     */
    List<List<Trajectory>> takeCompleteGroups() {
        List<List<Trajectory>> out = new ArrayList<>(completeGroups.values());
        completeGroups.clear();
        out.forEach(g -> held -= g.size());
        out.forEach(g -> g.forEach(t -> segmentsSeen.remove(t.id())));
        return out;
    }

    /** Trajectories whose segment count is remembered (in flight, unfinished or waiting in a group). */
    int remembered() {
        return segmentsSeen.size();
    }

    /** Removes and returns every unfinished trajectory, to be resumed. */
    List<Trajectory> takeUnfinished() {
        List<Trajectory> out = new ArrayList<>(unfinished.values());
        unfinished.clear();
        held -= out.size();
        return out;
    }

    int size() {
        return held;
    }

    long received() {
        return received;
    }

    void setReceived(long n) {
        received = n;
    }

    int groupSize() {
        return groupSize;
    }

    int completeGroupCount() {
        return completeGroups.size();
    }

    /** Everything held, for checkpoints: complete and pending groups' members, then unfinished trajectories. */
    List<Trajectory> contents() {
        List<Trajectory> out = new ArrayList<>();
        completeGroups.values().forEach(out::addAll);
        pendingGroups.values().forEach(out::addAll);
        out.addAll(unfinished.values());
        return out;
    }
}
