package dev.tributary.runtime.job;

import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.RunSpec;
import dev.tributary.actors.trainer.TrainerStep;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.RunResult;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Settings of a run small enough for tests: a 1-layer model, a few prompts, a short token budget. */
public final class TinyRuns {
    public static final String HOCON = """
            tributary {
              model { context-length = 40, d-model = 32, heads = 4, layers = 1, ff-hidden = 64 }
              task.arithmetic.max-digits = 2
              run { seed = 5, iterations = 3, checkpoint-every = 2 }
              sft { steps = 150, batch-size = 16 }
              sampler { prompts-per-iteration = 4, samples-per-prompt = 4, pool-size = 60 }
              rollout { workers = 2, slots = 8, token-budget = 12, max-response-tokens = 30 }
              replay.capacity = 64
              trainer { minibatch-size = 8, steps-per-iteration = 3, learning-rate = 1e-3 }
              eval { prompts = 20, every = 1 }
              device.memory-budget-mb = 256
            }
            """;

    private TinyRuns() {
    }

    public static Config config(Path out, String extra) {
        return ConfigFactory.parseString(extra).withFallback(ConfigFactory.parseMap(Map.of("tributary.run.out-dir",
                out.toString()))).withFallback(ConfigFactory.parseString(HOCON));
    }

    /** The setting that chooses the {@link #recordingBatches} trainer step. */
    public static final String RECORDING_STEP = "tributary.trainer.step = recording";

    /**
     * Plug-ins with a trainer step named {@code recording} that keeps every batch the trainer is given, then trains
     * as the built-in {@code minibatch} step does. Choose it with {@link #RECORDING_STEP}.
     */
    public static Plugins recordingBatches(List<TrajectoryBatch> batches) {
        return Plugins.builtIn().register(Plugins.TRAINER_STEP, "recording", (settings, ctx) -> {
            TrainerStep minibatch = TrainerStep.registry().create("minibatch", ConfigFactory.empty(), ctx);
            return (batch, version) -> {
                batches.add(batch);
                return minibatch.train(batch, version);
            };
        });
    }

    /** The ids of every trajectory in {@code batches}, in the order they were trained. */
    public static List<String> trainedIds(List<TrajectoryBatch> batches) {
        return batches.stream().flatMap(b -> b.trajectories().stream()).map(t -> t.id()).toList();
    }

    /** Starts an embedded run of {@code extra} over the tiny settings and waits (at most 3 minutes) for its end. */
    public static RunResult run(Path out, String extra) throws Exception {
        try (TributaryRun run = Tributary.start(RunSpec.of(config(out, extra)))) {
            return await(run);
        }
    }

    public static RunResult await(TributaryRun run) throws Exception {
        try {
            return run.result().toCompletableFuture().get(3, java.util.concurrent.TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    public static TributarySettings settings(Path out, String extra) {
        return TributarySettings.load(config(out, extra));
    }
}
