package dev.tributary.runtime.monitor;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/** The newest things that happened to a run (a node lost or back, a checkpoint written, a rewind), bounded. */
public final class RunEvents {
    /** One event: when, and what, in a line. */
    public record Event(long seq, Instant at, String text) {
    }

    private final int capacity;
    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private long seq;

    public RunEvents(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity + " must be >= 1");
        }
        this.capacity = capacity;
    }

    public synchronized void add(String text) {
        events.addLast(new Event(++seq, Instant.now(), text));
        if (events.size() > capacity) {
            events.removeFirst();
        }
    }

    /** The events kept, oldest first. */
    public synchronized List<Event> list() {
        return List.copyOf(events);
    }
}
