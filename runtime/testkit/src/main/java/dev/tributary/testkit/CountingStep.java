package dev.tributary.testkit;

import dev.tributary.actors.trainer.TrainerStep;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.TrajectoryBatch;

/** The run's trainer step (the synthetic one unless a test chose another) with every trained batch told to the {@link Ledger}. */
final class CountingStep implements TrainerStep {
    private final TrainerStep inner;
    private final Ledger ledger;

    CountingStep(TrainerStep inner, Ledger ledger) {
        this.inner = inner;
        this.ledger = ledger;
    }

    @Override
    public Outcome train(TrajectoryBatch batch, PolicyVersion version) {
        ledger.trained(batch.trajectories(), version);
        return inner.train(batch, version);
    }
}
