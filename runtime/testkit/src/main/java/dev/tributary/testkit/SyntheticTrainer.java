package dev.tributary.testkit;

import dev.tributary.actors.trainer.TrainerStep;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The synthetic trainer step: it takes the profile's time per trained (response) token, then moves one small
 * parameter array of the real policy by a step, so that every version's weights differ and the runtime's weight
 * sync publishes, broadcasts and checks real bytes of the policy's configured size.
 */
final class SyntheticTrainer implements TrainerStep {
    private final LoadProfile.Trainer load;
    private final INDArray nudged;
    private final Ledger ledger;

    SyntheticTrainer(LoadProfile.Trainer load, TrainerStep.Context context, Ledger ledger) {
        this.load = load;
        this.ledger = ledger;
        this.nudged = context.policy().params().get("lnf.b");
        ledger.weightsBytes(4L * context.policy().params().count());
    }

    @Override
    public Outcome train(TrajectoryBatch batch, PolicyVersion version) {
        long tokens = 0;
        for (Trajectory t : batch.trajectories()) {
            tokens += t.responseLength();
        }
        Seeds.sleep(tokens * load.timePerToken().toNanos());
        long cpu = Seeds.threadCpu();
        nudged.addi(1e-3);
        ledger.syntheticCpu(Seeds.threadCpu() - cpu);
        return new Outcome(0.0, 1);
    }
}
