package dev.tributary.runtime.cli;

import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.Objects;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tributary} command line. {@code tributary train} layers the settings (command-line options >
 * {@code --config} file > application.conf > reference.conf), validates them and hands them to the job runner
 * given to the constructor, whose return value is the exit code. Bad settings print one line and exit with 2.
 */
@Command(name = "tributary", mixinStandardHelpOptions = true, version = "tributary 0.1.0",
        description = "An actor-based reinforcement-learning runtime for LLM-style policies.")
public final class TributaryCli implements Runnable {
    /** Exit code of a run refused for its settings (picocli uses the same for unknown options). */
    public static final int BAD_SETTINGS = 2;

    private final Function<TributarySettings, Integer> runner;
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** @param runner runs the job with validated settings and returns the process exit code (0 = success) */
    public TributaryCli(Function<TributarySettings, Integer> runner) {
        this.runner = Objects.requireNonNull(runner, "job runner");
    }

    /** The configured picocli command line; its {@code setOut}/{@code setErr} redirect output. */
    public CommandLine commandLine() {
        CommandLine cl = new CommandLine(this);
        TrainCommand train = new TrainCommand(runner);
        CommandLine trainLine = new CommandLine(train);
        trainLine.setResourceBundle(HelpTexts.withDefaults());
        cl.addSubcommand("train", trainLine);
        cl.addSubcommand("node", new CommandLine(new NodeCommand()));
        return cl;
    }

    /** Parses {@code args}, runs the chosen subcommand and returns the exit code. */
    public int execute(String... args) {
        return commandLine().execute(args);
    }

    @Override
    public void run() {
        // Without a subcommand there is nothing to do but explain.
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        System.exit(new TributaryCli(settings -> train(settings, out, System.err)).execute(args));
    }

    /**
     * The job runner of {@code tributary train}: prints the settings, the progress lines and a closing summary of
     * held-out accuracy before and after RL. Returns 0, 1 when the run failed, 2 when it was refused at start, 130 when it was stopped.
     */
    static int train(TributarySettings settings, PrintStream out, PrintStream err) {
        out.println(settings.summary());
        TributaryRun run;
        try {
            run = Tributary.start(settings, out::println);
        } catch (IllegalArgumentException e) {
            err.println("tributary train: " + e.getMessage());
            return BAD_SETTINGS;
        }
        Thread hook = new Thread(() -> {
            try {
                run.close();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "tributary-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            out.print(summary(run.await()));
            return 0;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            err.println("tributary train: the run failed: " + cause);
            for (Throwable c = cause.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                err.println("  caused by: " + c);
            }
            err.println("  checkpoints and metrics so far are in " + run.outDir()
                    + "; continue with: tributary train --resume --out " + run.outDir());
            return 1;
        } catch (InterruptedException | CancellationException e) {
            err.println("tributary train: stopped; continue with: tributary train --resume --out " + run.outDir());
            return 130;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting; the hook runs
            }
        }
    }

    /** The closing lines: where the run went and what RL did to held-out accuracy. */
    static String summary(RunResult r) {
        String nl = System.lineSeparator();
        StringBuilder b = new StringBuilder(nl);
        b.append(String.format(Locale.ROOT, "%-34s %8s%n", "held-out exact match", "accuracy"));
        b.append(String.format(Locale.ROOT, "%-34s %7.1f%%%n", "after SFT warm-up (RL start)", 100 * r.sftAccuracy()));
        b.append(String.format(Locale.ROOT, "%-34s %7.1f%%%n", "after RL iteration " + r.lastIteration(),
                100 * r.finalAccuracy()));
        b.append(String.format(Locale.ROOT, "%-34s %+7.1f points%n", "gain from RL", r.gainPoints()));
        b.append(String.format(Locale.ROOT, "%s in %.0f s; metrics.csv, metrics.jsonl, curves.png%s in %s%n",
                r.version(), r.elapsed().toMillis() / 1000.0,
                Files.isDirectory(r.outDir().resolve("checkpoints")) ? ", checkpoints/" : "",
                r.outDir()));
        return b.toString();
    }
}
