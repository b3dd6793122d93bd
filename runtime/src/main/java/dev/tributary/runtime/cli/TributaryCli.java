package dev.tributary.runtime.cli;

import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.settings.TributarySettings;
import java.io.PrintStream;
import java.io.PrintWriter;
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
        cl.addSubcommand("reward-model", new CommandLine(new RewardModelCommand()));
        cl.addSubcommand("long2short", new CommandLine(new Long2ShortCommand()));
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
     * held-out accuracy before and after RL. Returns 0, 1 when the run failed, 2 when it was refused at start, 130
     * when it was stopped.
     */
    static int train(TributarySettings settings, PrintStream out, PrintStream err) {
        out.println(settings.summary());
        PrintWriter o = new PrintWriter(out, true);
        return RunCommand.run("train", RunSpec.of(settings).withProgress(o::println), o, new PrintWriter(err, true));
    }
}
