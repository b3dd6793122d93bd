package dev.tributary.actors.master;

import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Who of a fixed group is still awaited (every worker's answer to a weight load, say), as an immutable value whose
 * update costs a bit per member rather than a copy of the set: the group's positions are shared by every version,
 * each holds its own bits. With 512 workers, copying a set on each answer made a weight sync quadratic.
 *
 * @param positions each member's position (shared, never modified)
 * @param left      the positions still awaited (this value's own copy, never modified)
 */
record Awaited<T>(Map<T, Integer> positions, BitSet left) {
    /** All of {@code members} awaited. */
    static <T> Awaited<T> all(Collection<T> members) {
        Map<T, Integer> positions = new HashMap<>();
        for (T m : members) {
            positions.putIfAbsent(m, positions.size());
        }
        BitSet left = new BitSet(positions.size());
        left.set(0, positions.size());
        return new Awaited<>(Map.copyOf(positions), left);
    }

    /** {@code member} answered: this without it (this itself if it was not awaited). */
    Awaited<T> without(T member) {
        Integer i = positions.get(member);
        if (i == null || !left.get(i)) {
            return this;
        }
        BitSet l = (BitSet) left.clone();
        l.clear(i);
        return new Awaited<>(positions, l);
    }

    /** Only those of {@code live} still awaited (a member lost meanwhile is not waited for). */
    Awaited<T> retainAll(Collection<T> live) {
        BitSet l = (BitSet) left.clone();
        java.util.Set<T> alive = new java.util.HashSet<>(live);
        positions.forEach((m, i) -> {
            if (!alive.contains(m)) {
                l.clear(i);
            }
        });
        return new Awaited<>(positions, l);
    }

    boolean isEmpty() {
        return left.isEmpty();
    }

    /** How many are still awaited. */
    int count() {
        return left.cardinality();
    }
}
