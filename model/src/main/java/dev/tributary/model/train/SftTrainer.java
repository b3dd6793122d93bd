package dev.tributary.model.train;

import dev.tributary.model.Image;
import dev.tributary.model.Prompt;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.SequenceBatch;
import dev.tributary.model.task.Task;
import java.util.List;

/** Supervised warm-up on a task's worked solutions: mean negative log-likelihood of the response tokens. */
public final class SftTrainer {
    /** What one step did. */
    public record Step(double loss, double gradNorm, int tokens) {
    }

    private final Policy policy;
    private final Optimizer optimizer;
    private final Task task;

    public SftTrainer(Policy policy, Optimizer optimizer, Task task) {
        this.policy = policy;
        this.optimizer = optimizer;
        this.task = task;
    }

    public Step step(List<Prompt> prompts) {
        List<int[]> responses = new java.util.ArrayList<>(prompts.size());
        for (Prompt p : prompts) {
            responses.add(task.workedSolution(p));
        }
        return step(prompts, responses);
    }

    /** One step on given responses (sampled ones, as rejection sampling selects them) instead of worked solutions. */
    public Step step(List<Prompt> prompts, List<int[]> responses) {
        if (prompts.size() != responses.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + responses.size()
                    + " responses; expected one response per prompt");
        }
        int[][] seqs = new int[prompts.size()][];
        int[] starts = new int[prompts.size()];
        List<List<Image>> images = new java.util.ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = prompts.get(i).tokens();
            int[] r = responses.get(i);
            seqs[i] = new int[p.length + r.length];
            System.arraycopy(p, 0, seqs[i], 0, p.length);
            System.arraycopy(r, 0, seqs[i], p.length, r.length);
            starts[i] = p.length;
            images.add(prompts.get(i).images());
        }
        SequenceBatch batch = new SequenceBatch(seqs, starts, images);
        int tokens = batch.responseTokens();
        double[][] grad = new double[seqs.length][];
        for (int i = 0; i < seqs.length; i++) {
            grad[i] = new double[batch.responseLength(i)];
            java.util.Arrays.fill(grad[i], -1.0 / tokens);
        }
        Policy.Backward b = policy.backward(batch, grad);
        double nll = 0;
        for (double[] row : b.logProbs()) {
            for (double lp : row) {
                nll -= lp;
            }
        }
        double norm = optimizer.step(policy.params(), b.gradients());
        return new Step(nll / tokens, norm, tokens);
    }
}
