package dev.tributary.runtime.cli;

import dev.tributary.runtime.internal.RewardModelJob;
import dev.tributary.runtime.settings.TributarySettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tributary reward-model}: jobs of the learned reward model. */
@Command(name = "reward-model", mixinStandardHelpOptions = true,
        description = "The learned reward model (Deeplearning4j): train one for a task.",
        subcommands = RewardModelCommand.Train.class)
final class RewardModelCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code tributary reward-model train}. */
    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Warms the policy up (as tributary train does with the same settings), samples responses "
                    + "from it on the task's training split and on held-out prompts, labels them with the task's "
                    + "verifier, trains the reward model (tributary.reward-model.*) and prints its held-out accuracy "
                    + "and AUC against the verifier next to the share of correct responses.",
            footer = {"", "Use the saved model in a run: tributary train --set tributary.reward.function=learned "
                    + "--set tributary.reward.learned.path=<file>",
                "Exit codes: 0 done, 1 the job failed, 2 bad options or settings."})
    static final class Train implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "<file>", description = "HOCON file with tributary.* settings.")
        Path configFile;

        @Option(names = "--seed", paramLabel = "<n>", description = "Seed of the warm-up, the samples and the model.")
        Long seed;

        @Option(names = "--out", paramLabel = "<file>", defaultValue = "runs/reward-model.bin",
                description = "Where to save the model. Default: ${DEFAULT-VALUE}.")
        Path out;

        @Option(names = "--set", paramLabel = "<key=value>", description = "Any tributary.* setting; repeatable.")
        Map<String, String> sets = new LinkedHashMap<>();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            TributarySettings settings;
            try {
                TrainCommand layers = new TrainCommand(s -> 0);
                layers.configFile = configFile;
                layers.seed = seed;
                layers.sets = sets;
                settings = TributarySettings.load(layers.layered());
            } catch (IllegalArgumentException | com.typesafe.config.ConfigException e) {
                err.println("tributary reward-model train: " + RunCommand.oneLine(e.getMessage()));
                return TributaryCli.BAD_SETTINGS;
            }
            RewardModelJob.Result r;
            try {
                r = RewardModelJob.train(settings, out, line -> {
                    o.println(line);
                    o.flush();
                });
            } catch (IllegalArgumentException e) {
                err.println("tributary reward-model train: " + RunCommand.oneLine(e.getMessage()));
                return TributaryCli.BAD_SETTINGS;
            } catch (RuntimeException e) {
                err.println("tributary reward-model train: failed: " + RunCommand.describe(e));
                if (RunCommand.debugging()) {
                    e.printStackTrace(err);
                }
                return 1;
            }
            o.println();
            o.print(RewardModelJob.table(r));
            o.printf(Locale.ROOT, "policy after SFT: %.1f%% held-out (greedy); reward model saved to %s in %.0f s%n",
                    100 * r.sftAccuracy(), r.saved(), r.seconds());
            o.println("use it: tributary train --set tributary.reward.function=learned "
                    + "--set tributary.reward.learned.path=" + r.saved());
            o.flush();
            return 0;
        }
    }
}
