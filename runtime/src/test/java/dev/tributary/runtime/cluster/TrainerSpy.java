package dev.tributary.runtime.cluster;

import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.trainer.TrainerStep;
import dev.tributary.runtime.Plugins;
import java.util.List;

/**
 * A trainer step, registered as {@code recording}, that adds the id of every trajectory the trainer is given to a
 * list and then trains as the built-in {@code minibatch} step does. Choose it with
 * {@code tributary.trainer.step = recording} ({@link #SETTING}).
 */
final class TrainerSpy {
    static final String SETTING = "tributary.trainer.step = recording";

    private TrainerSpy() {
    }

    static Plugins recordingTrainedIds(List<String> ids) {
        return Plugins.builtIn().register(Plugins.TRAINER_STEP, "recording", (settings, ctx) -> {
            TrainerStep minibatch = TrainerStep.registry().create("minibatch", ConfigFactory.empty(), ctx);
            return (batch, version) -> {
                batch.trajectories().forEach(t -> ids.add(t.id()));
                return minibatch.train(batch, version);
            };
        });
    }
}
