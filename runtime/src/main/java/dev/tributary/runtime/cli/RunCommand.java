package dev.tributary.runtime.cli;

import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.metrics.CheckpointCosts;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;

/**
 * Runs one node (every role for {@code train}, some for {@code node}) to its end and turns the outcome into an
 * exit code and a few lines: the closing summary on the master's node, one line per failure cause otherwise.
 * Exit codes: 0 done, 1 the run failed, 2 refused at start, 130 stopped.
 */
final class RunCommand {
    private RunCommand() {
    }

    static int run(String command, RunSpec spec, PrintWriter out, PrintWriter err) {
        TributaryRun run;
        try {
            run = Tributary.start(spec);
        } catch (IllegalArgumentException e) {
            err.println("tributary " + command + ": " + oneLine(e.getMessage()));
            return TributaryCli.BAD_SETTINGS;
        }
        boolean master = run.roles().contains("master");
        String resume = "; continue with: tributary train --resume --out " + run.outDir();
        Thread hook = new Thread(() -> {
            try {
                run.close();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "tributary-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            RunResult r = run.result().toCompletableFuture().get();
            if (master) {
                out.print(summary(r));
                out.flush();
            }
            return 0;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CancellationException) {
                err.println("tributary " + command + ": stopped" + (master && !run.roles().equals(RunSpec.ALL_ROLES)
                        ? "" : resume));
                return 130;
            }
            err.println("tributary " + command + ": the run failed: " + describe(cause));
            if (debugging()) {
                cause.printStackTrace(err);
            }
            if (master) {
                err.println("  metrics so far are in " + run.outDir()
                        + (run.roles().equals(RunSpec.ALL_ROLES) ? ", with the checkpoints" + resume : ""));
            }
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("tributary " + command + ": stopped");
            return 130;
        } finally {
            awaitStop(run, err, command);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting; the hook runs
            }
        }
    }

    /** Waits for the node to leave and stop, so that no process is left behind; a node that does not is named. */
    private static void awaitStop(TributaryRun run, PrintWriter err, String command) {
        try {
            run.stopped().toCompletableFuture().get(2, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            err.println("tributary " + command + ": the node did not stop within 2 minutes");
        }
    }

    /** The closing lines: where the run went and what RL did to held-out accuracy. */
    static String summary(RunResult r) {
        StringBuilder b = new StringBuilder(System.lineSeparator());
        b.append(String.format(Locale.ROOT, "%-34s %8s%n", "held-out exact match", "accuracy"));
        b.append(String.format(Locale.ROOT, "%-34s %7.1f%%%n", "after SFT warm-up (RL start)", 100 * r.sftAccuracy()));
        b.append(String.format(Locale.ROOT, "%-34s %7.1f%%%n", "after RL iteration " + r.lastIteration(),
                100 * r.finalAccuracy()));
        b.append(String.format(Locale.ROOT, "%-34s %+7.1f points%n", "gain from RL", r.gainPoints()));
        b.append(String.format(Locale.ROOT, "%s in %.0f s; metrics.csv, metrics.jsonl, curves.png%s in %s%n",
                r.version(), r.elapsed().toMillis() / 1000.0,
                Files.isDirectory(r.outDir().resolve("checkpoints")) ? ", checkpoints/" : "",
                r.outDir()));
        try {
            double rl = r.metrics().stream().mapToDouble(m -> m.seconds()).sum();
            CheckpointCosts.summary(r.outDir(), rl).ifPresent(line -> b.append(line).append(System.lineSeparator()));
        } catch (java.io.IOException e) {
            b.append("checkpoint costs unreadable: ").append(e.getMessage()).append(System.lineSeparator());
        }
        return b.toString();
    }

    /** A failure in one line: its message, or its kind where it has none; the trace only when debugging. */
    static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : oneLine(m);
    }

    /** {@code TRIBUTARY_LOG_LEVEL=DEBUG}: failures also print their stack traces. */
    static boolean debugging() {
        return "DEBUG".equalsIgnoreCase(System.getenv("TRIBUTARY_LOG_LEVEL"));
    }

    static String oneLine(String message) {
        return message == null ? "invalid settings" : message.replaceAll("\\s*\\R\\s*", " ");
    }
}
