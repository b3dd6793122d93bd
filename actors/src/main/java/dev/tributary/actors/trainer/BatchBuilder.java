package dev.tributary.actors.trainer;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.TrajectoryIds;
import dev.tributary.model.algo.LossBatch;
import dev.tributary.model.algo.LossSample;
import dev.tributary.model.policy.SequenceBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a trajectory batch into what the policy and the loss consume: token sequences, and per token the
 * reference log-prob (the one recorded by the policy version that generated it) and a mask that excludes segments
 * older than {@code maxSegmentAge} versions (0 keeps all).
 */
public final class BatchBuilder {
    private BatchBuilder() {
    }

    public static SequenceBatch sequences(TrajectoryBatch batch) {
        int n = batch.size();
        int[][] seqs = new int[n][];
        int[] starts = new int[n];
        for (int i = 0; i < n; i++) {
            Trajectory t = batch.trajectories().get(i);
            seqs[i] = t.prefix();
            starts[i] = t.prompt().length();
        }
        return new SequenceBatch(seqs, starts);
    }

    public static LossBatch lossBatch(TrajectoryBatch batch, double[][] logProbs, PolicyVersion current, int maxSegmentAge) {
        List<LossSample> samples = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Trajectory t = batch.trajectories().get(i);
            double[] ref = new double[t.responseLength()];
            double[] mask = new double[t.responseLength()];
            int at = 0;
            for (Segment s : t.segments()) {
                boolean keep = maxSegmentAge == 0 || current.number() - s.policyVersion() <= maxSegmentAge;
                float[] lp = s.logProbs();
                for (int k = 0; k < lp.length; k++, at++) {
                    ref[at] = lp[k];
                    mask[at] = keep ? 1 : 0;
                }
            }
            samples.add(new LossSample(TrajectoryIds.group(t.id()), t.reward(), logProbs[i], ref, mask));
        }
        return LossBatch.of(samples);
    }
}
