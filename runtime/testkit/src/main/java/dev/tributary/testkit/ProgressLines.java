package dev.tributary.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The progress lines of a run (give it to {@code RunSpec.withProgress}) or the output of a forked node, kept as
 * they come, which a test waits on without sleeping and polling: {@link #when} is a future completed by the first
 * matching line, seen already or still to come, and {@link #await} blocks on it with a deadline. Once the source
 * has ended ({@link #end}) a wait for a line that never came fails at once.
 *
 * <pre>{@code
 * ProgressLines lines = new ProgressLines();
 * TributaryRun run = Tributary.start(RunSpec.of(settings).withProgress(lines));
 * lines.await(l -> l.startsWith("iter   2"), Duration.ofMinutes(3));   // iteration 2 is recorded
 * }</pre>
 */
public final class ProgressLines implements Consumer<String> {
    private final List<String> lines = new ArrayList<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private String ended;

    private record Waiter(Predicate<String> match, CompletableFuture<String> line) {
    }

    /** Keeps {@code line} and completes every wait it matches. */
    @Override
    public void accept(String line) {
        List<Waiter> matched = new ArrayList<>();
        synchronized (this) {
            lines.add(line);
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w.match.test(line)) {
                    matched.add(w);
                    it.remove();
                }
            }
        }
        // Completed outside the lock: a dependent stage runs on this thread and may read the lines.
        matched.forEach(w -> w.line.complete(line));
    }

    /**
     * A future of the first line that matches {@code match}, among those seen and those to come; it fails if the
     * source ends without one.
     */
    public CompletableFuture<String> when(Predicate<String> match) {
        CompletableFuture<String> f = new CompletableFuture<>();
        synchronized (this) {
            for (String l : lines) {
                if (match.test(l)) {
                    f.complete(l);
                    return f;
                }
            }
            if (ended != null) {
                f.completeExceptionally(new AssertionError(ended + " without the awaited line; its lines:\n"
                        + String.join("\n", lines)));
                return f;
            }
            waiters.add(new Waiter(match, f));
        }
        return f;
    }

    /** {@link #when} a line contains {@code text}. */
    public CompletableFuture<String> whenContaining(String text) {
        return when(l -> l.contains(text));
    }

    /**
     * Waits at most {@code max} for the first line that matches {@code match} and returns it; fails with the lines
     * seen so far when the time runs out or the source ends without one.
     */
    public String await(Predicate<String> match, Duration max) {
        return await(when(match), max, "the awaited line");
    }

    /** {@link #await} a line that contains {@code text}. */
    public String awaitContaining(String text, Duration max) {
        return await(whenContaining(text), max, "a line with '" + text + "'");
    }

    private String await(CompletableFuture<String> line, Duration max, String what) {
        try {
            return line.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no " + what + " within " + max + "; lines so far:\n" + text(), e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof AssertionError a ? a : new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
    }

    /**
     * The source has ended ({@code why}, e.g. "node trainer exited with code 137"): every wait still open fails,
     * and so does every later wait for a line that did not come.
     */
    public void end(String why) {
        List<Waiter> open;
        String seen;
        synchronized (this) {
            ended = why;
            open = List.copyOf(waiters);
            waiters.clear();
            seen = String.join("\n", lines);
        }
        open.forEach(w -> w.line.completeExceptionally(new AssertionError(why + " without the awaited line; its "
                + "lines:\n" + seen)));
    }

    /** The lines so far, oldest first. */
    public synchronized List<String> snapshot() {
        return List.copyOf(lines);
    }

    /** The lines so far, one per line. */
    public synchronized String text() {
        return String.join("\n", lines);
    }

    /** Forgets the lines seen so far (waits still open stay open). */
    public synchronized void clear() {
        lines.clear();
        ended = null;
    }
}
