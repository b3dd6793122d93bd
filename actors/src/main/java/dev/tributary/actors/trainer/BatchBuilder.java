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
        List<List<dev.tributary.model.Image>> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Trajectory t = batch.trajectories().get(i);
            seqs[i] = t.prefix();
            starts[i] = t.prompt().length();
            images.add(t.prompt().images());
        }
        return new SequenceBatch(seqs, starts, images);
    }

    /**
     * Splits a batch into micro-batches of similar length for the forward and backward passes: sequences sorted by
     * length, each micro-batch as many as fit in {@code maxTokens} padded positions (at least one). A batch padded
     * to its longest sequence would spend most of its work on padding when lengths are long-tailed; the gradients
     * of the micro-batches add up to the whole batch's. Indices refer to {@code batch}; 0 keeps one micro-batch.
     */
    public static List<int[]> byLength(TrajectoryBatch batch, int maxTokens) {
        int n = batch.size();
        List<int[]> out = new ArrayList<>();
        if (maxTokens == 0 || n == 0) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            out.add(all);
            return out;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(
                (Integer i) -> batch.trajectories().get(i).prefix().length).thenComparingInt(i -> i));
        List<Integer> current = new ArrayList<>();
        for (int i : order) {
            int len = batch.trajectories().get(i).prefix().length;
            if (!current.isEmpty() && (long) (current.size() + 1) * len > maxTokens) {
                out.add(current.stream().mapToInt(Integer::intValue).toArray());
                current.clear();
            }
            current.add(i);
        }
        out.add(current.stream().mapToInt(Integer::intValue).toArray());
        return out;
    }

    /** The trajectories of {@code batch} at {@code indices}, as a batch of the same version. */
    public static TrajectoryBatch select(TrajectoryBatch batch, int[] indices) {
        List<Trajectory> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(batch.trajectories().get(i));
        }
        return new TrajectoryBatch(batch.version(), out);
    }

    public static LossBatch lossBatch(TrajectoryBatch batch, double[][] logProbs, PolicyVersion current, int maxSegmentAge) {
        return lossBatch(batch, logProbs, null, current, maxSegmentAge);
    }

    /**
     * As above; with {@code proxLogProbs} (the trainer's log-probs at the start of the step, π_prox) they become the
     * loss's reference and the engine's recorded log-probs the behaviour policy's, for an off-policy correction.
     */
    public static LossBatch lossBatch(TrajectoryBatch batch, double[][] logProbs, double[][] proxLogProbs,
                                      PolicyVersion current, int maxSegmentAge) {
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
            samples.add(proxLogProbs == null
                    ? new LossSample(TrajectoryIds.group(t.id()), t.reward(), logProbs[i], ref, mask)
                    : new LossSample(TrajectoryIds.group(t.id()), t.reward(), logProbs[i], proxLogProbs[i], mask, ref));
        }
        return LossBatch.of(samples);
    }
}
