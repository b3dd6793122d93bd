package dev.tributary.runtime.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tributary train}: builds the layered config, validates it once, and runs the job. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains a policy with RL (after an SFT warm-up) in one JVM, writing metrics, curves and "
                + "checkpoints to the output directory.",
        footer = {"", "Settings are layered: these options > --config file > application.conf > reference.conf.",
            "Every key is documented in runtime/src/main/resources/reference.conf.",
            "Exit codes: 0 done, 1 the run failed, 2 bad options or settings, 130 stopped (Ctrl-C).",
            "Stopped or failed runs continue from their last checkpoint: train --resume --out <dir>."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "<file>", descriptionKey = "config",
            description = "HOCON file with tributary.* settings.")
    Path configFile;

    @Option(names = "--task", paramLabel = "<name>", descriptionKey = "task", description = "Task to train on.")
    String task;

    @Option(names = "--iterations", paramLabel = "<n>", descriptionKey = "iterations", description = "RL iterations.")
    Integer iterations;

    @Option(names = "--seed", paramLabel = "<n>", descriptionKey = "seed", description = "Seed of the run.")
    Long seed;

    @Option(names = "--out", paramLabel = "<dir>", descriptionKey = "out", description = "Output directory.")
    Path out;

    @Option(names = "--resume", descriptionKey = "resume",
            description = "Continue from the latest checkpoint in the output directory.")
    boolean resume;

    @Option(names = "--set", paramLabel = "<key=value>", descriptionKey = "set",
            description = "Any tributary.* setting; repeatable.")
    Map<String, String> sets = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    private final Function<TributarySettings, Integer> runner;

    TrainCommand(Function<TributarySettings, Integer> runner) {
        this.runner = runner;
    }

    @Override
    public Integer call() {
        TributarySettings settings;
        try {
            settings = TributarySettings.load(layered());
        } catch (IllegalArgumentException | ConfigException e) {
            // One line, no stack trace: the message names the key, the value and what was expected.
            spec.commandLine().getErr().println("tributary train: " + RunCommand.oneLine(e.getMessage()));
            return TributaryCli.BAD_SETTINGS;
        }
        return runner.apply(settings);
    }

    /** CLI overrides > system properties > --config file > application.conf > reference.conf. */
    Config layered() {
        Config file = ConfigFactory.empty();
        if (configFile != null) {
            if (!Files.isRegularFile(configFile)) {
                throw new IllegalArgumentException("--config " + configFile + ": no such file");
            }
            file = ConfigFactory.parseFile(configFile.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        }
        Config base = ConfigFactory.defaultOverrides().withFallback(file).withFallback(ConfigFactory.defaultApplication())
                .withFallback(ConfigFactory.defaultReference());
        return TributarySettings.withOverrides(base, overrides());
    }

    /** Named options win over {@code --set} for the same key. */
    Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        for (var e : sets.entrySet()) {
            String key = e.getKey().strip();
            if (!key.startsWith("tributary.")) {
                throw new IllegalArgumentException("--set " + key + "=" + e.getValue()
                        + ": expected a key under tributary., e.g. tributary.rollout.workers=4");
            }
            o.put(key, e.getValue());
        }
        putIfGiven(o, "tributary.task.name", task);
        putIfGiven(o, "tributary.run.iterations", iterations);
        putIfGiven(o, "tributary.run.seed", seed);
        putIfGiven(o, "tributary.run.out-dir", out == null ? null : out.toString());
        if (resume) {
            o.put("tributary.run.resume", true);
        }
        return o;
    }

    private static void putIfGiven(Map<String, Object> o, String key, Object value) {
        if (value != null) {
            o.put(key, value);
        }
    }
}
