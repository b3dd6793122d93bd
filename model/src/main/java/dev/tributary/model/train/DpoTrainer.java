package dev.tributary.model.train;

import dev.tributary.model.Prompt;
import dev.tributary.model.algo.Dpo;
import dev.tributary.model.algo.LossBatch;
import dev.tributary.model.algo.LossResult;
import dev.tributary.model.algo.LossSample;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.SequenceBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * DPO on preference pairs among sampled responses: each step scores the responses under the policy being trained
 * and takes {@link Dpo}'s gradient; the reference log-probs are those of the policy before training, fixed once.
 */
public final class DpoTrainer {
    /** The responses to one prompt, their reference log-probs, and the preferred-over pairs among them. */
    public record Group(Prompt prompt, List<int[]> responses, List<double[]> refLogProbs, List<LossBatch.Pair> pairs) {
    }

    private final Policy policy;
    private final Optimizer optimizer;
    private final Dpo loss;

    public DpoTrainer(Policy policy, Optimizer optimizer, double beta) {
        this.policy = policy;
        this.optimizer = optimizer;
        this.loss = new Dpo(beta);
    }

    /** The reference log-probs of {@code responses} to {@code prompt} under {@code reference}. */
    public static List<double[]> logProbs(Policy reference, Prompt prompt, List<int[]> responses) {
        return List.of(reference.responseLogProbs(batch(prompt, responses)));
    }

    /** One step over {@code groups}; returns the loss and the share of pairs already in the preferred order. */
    public LossResult step(List<Group> groups) {
        List<int[]> seqs = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        List<LossSample> samples = new ArrayList<>();
        List<LossBatch.Pair> pairs = new ArrayList<>();
        for (Group g : groups) {
            int offset = samples.size();
            SequenceBatch b = batch(g.prompt(), g.responses());
            for (int i = 0; i < b.size(); i++) {
                seqs.add(b.sequences()[i]);
                starts.add(b.responseStart()[i]);
            }
            for (int i = 0; i < g.responses().size(); i++) {
                samples.add(null); // filled below with this step's log-probs
            }
            for (LossBatch.Pair p : g.pairs()) {
                pairs.add(new LossBatch.Pair(offset + p.chosen(), offset + p.rejected()));
            }
        }
        SequenceBatch all = new SequenceBatch(seqs.toArray(int[][]::new),
                starts.stream().mapToInt(Integer::intValue).toArray());
        double[][] now = policy.responseLogProbs(all);
        int i = 0;
        for (Group g : groups) {
            for (double[] ref : g.refLogProbs()) {
                samples.set(i, new LossSample(g.prompt().id(), 0, now[i], ref, null));
                i++;
            }
        }
        LossResult r = loss.evaluate(new LossBatch(samples, pairs));
        policy.step(all, r.gradient(), optimizer);
        return r;
    }

    private static SequenceBatch batch(Prompt prompt, List<int[]> responses) {
        int[][] seqs = new int[responses.size()][];
        int[] starts = new int[responses.size()];
        int[] p = prompt.tokens();
        for (int i = 0; i < seqs.length; i++) {
            int[] r = responses.get(i);
            seqs[i] = new int[p.length + r.length];
            System.arraycopy(p, 0, seqs[i], 0, p.length);
            System.arraycopy(r, 0, seqs[i], p.length, r.length);
            starts[i] = p.length;
        }
        return new SequenceBatch(seqs, starts);
    }
}
