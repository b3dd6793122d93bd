package dev.tributary.actors.replay;

import dev.tributary.model.Image;
import dev.tributary.model.Prompt;
import dev.tributary.model.Trajectory;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
    /**
     * Complete groups the store handed over that no request has taken yet (a request may take fewer than there
     * are), oldest first; held, counted and checkpointed as the store's contents are.
     */
    private final ArrayDeque<List<Trajectory>> ready = new ArrayDeque<>();
    private int readyTrajectories;
    private final Map<String, Integer> segmentsSeen = new HashMap<>();
    /** One prompt instance per prompt id with images: the k samples of a prompt hold its images once. */
    private final Map<String, Prompt> sharedPrompts = new HashMap<>();
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
        store.add(share(t));
        forget(store.takeEvicted());
        return true;
    }

    /**
     * {@code t} holding the prompt instance its group already holds, when its prompt carries images: samples that
     * crossed nodes one by one arrive with a copy of the images each, and are stored with one.
     */
    private Trajectory share(Trajectory t) {
        Prompt p = t.prompt();
        if (!p.hasImages()) {
            return t;
        }
        Prompt held = sharedPrompts.putIfAbsent(p.id(), p);
        if (held == null || held == p || !held.equals(p)) {
            return t;
        }
        return new Trajectory(t.id(), held, t.segments(), t.reward());
    }

    /**
     * Bytes of what is held, as memory accounting counts them: 8 per response token (the token and its log-prob),
     * 4 per prompt token, and the pixel values of each distinct image once (the k samples of a prompt share them).
     */
    long heldBytes() {
        long bytes = 0;
        java.util.Set<Image> images = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Trajectory t : contents()) {
            bytes += 8L * t.responseLength() + 4L * t.prompt().length();
            for (Image i : t.prompt().images()) {
                if (images.add(i)) {
                    bytes += i.bytes();
                }
            }
        }
        return bytes;
    }

    /** Bytes of the distinct images held (each counted once however many samples share it). */
    long imageBytes() {
        java.util.Set<Image> images = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        long bytes = 0;
        for (Trajectory t : contents()) {
            for (Image i : t.prompt().images()) {
                bytes += images.add(i) ? i.bytes() : 0;
            }
        }
        return bytes;
    }

    /** Copies dropped so far. */
    long duplicates() {
        return duplicates;
    }

    /** Every group the store hands to training now; their ids, and those of anything it evicted, are forgotten. */
    List<List<Trajectory>> takeCompleteGroups() {
        return takeCompleteGroups(0, 0);
    }

    /**
     * Complete groups for training: none while fewer than {@code min} are complete, else at most {@code max} (0:
     * all), the oldest first; the rest stay held for the next request. The ids of what is handed over, and of
     * anything the store evicted, are forgotten.
     */
    List<List<Trajectory>> takeCompleteGroups(int min, int max) {
        int inStore = store.completeGroups();
        if (inStore >= 0 && ready.isEmpty()) {
            // The store counts its complete groups and hands over as many as asked: nothing leaves it early.
            if (inStore == 0 || inStore < min) {
                forget(store.takeEvicted());
                return List.of();
            }
            List<List<Trajectory>> out = store.takeGroups(max);
            forget(store.takeEvicted());
            return handedOver(out);
        }
        for (List<Trajectory> g : store.takeGroups()) {
            ready.add(g);
            readyTrajectories += g.size();
        }
        forget(store.takeEvicted());
        if (ready.isEmpty() || ready.size() < min) {
            return List.of();
        }
        int n = max == 0 ? ready.size() : Math.min(max, ready.size());
        List<List<Trajectory>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<Trajectory> g = ready.poll();
            readyTrajectories -= g.size();
            out.add(g);
        }
        return handedOver(out);
    }

    /** {@code groups} leave for training: their ids are forgotten, and the prompt instances their groups shared. */
    private List<List<Trajectory>> handedOver(List<List<Trajectory>> groups) {
        groups.forEach(this::forget);
        groups.forEach(g -> g.forEach(t -> sharedPrompts.remove(t.prompt().id())));
        return groups;
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
        return store.size() + readyTrajectories;
    }

    long received() {
        return received;
    }

    /**
     * Restores a checkpoint's contents into the (empty) store, counting arrivals from {@code received}; only before
     * anything arrived.
     */
    void restore(List<Trajectory> contents, long received) {
        if (this.received > 0 || size() > 0) {
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
        ready.clear();
        readyTrajectories = 0;
        segmentsSeen.clear();
        sharedPrompts.clear();
        this.received = 0;
        restore(contents, received);
    }

    /** Everything held, for checkpoints: complete groups not yet taken (oldest first), then the store's contents. */
    List<Trajectory> contents() {
        if (ready.isEmpty()) {
            return store.contents();
        }
        List<Trajectory> out = new ArrayList<>(size());
        ready.forEach(out::addAll);
        out.addAll(store.contents());
        return out;
    }
}
