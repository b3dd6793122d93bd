package dev.tributary.actors.trainer;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.algo.LossResult;
import dev.tributary.model.policy.Policy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The built-in trainer step {@code minibatch}: resets the optimizer if so configured, then takes
 * {@code steps-per-iteration} optimizer steps, each over one minibatch of whole prompt groups (shuffled from a seed
 * mixed with the version), each minibatch cut into length-sorted micro-batches whose gradients are summed. The
 * loss needs every micro-batch's log-probs before any gradient, so each micro-batch's forward pass is kept for its
 * backward pass (Java trainer backend) rather than run twice, while the minibatch's kept activations are below
 * {@link #KEPT_BYTES}; once they reach it, later micro-batches run their forward pass again in their backward pass.
 */
final class MinibatchStep implements TrainerStep {
    /** Kept activations of one minibatch past which no further forward pass is kept (one pass may cross it). */
    static final long KEPT_BYTES = 256L << 20;

    private final TrainerStep.Context ctx;

    MinibatchStep(TrainerStep.Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Outcome train(TrajectoryBatch batch, PolicyVersion version) {
        Trainer.Settings settings = ctx.settings();
        double last = Double.NaN;
        int steps = 0;
        if (batch.size() > 0) {
            if (settings.resetOptimizer()) {
                ctx.optimizer().reset();
            }
            Map<String, double[]> prox = ctx.proximal() ? logProbsById(batch) : null;
            Minibatches minibatches = new Minibatches(batch, settings.minibatchSize(),
                    new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + version.number()));
            for (int s = 0; s < settings.stepsPerIteration(); s++) {
                last = step(minibatches.next(), version, prox);
                steps++;
            }
        }
        return new Outcome(last, steps);
    }

    /** π_prox: the policy's log-probs of every response before this batch's first optimizer step. */
    private Map<String, double[]> logProbsById(TrajectoryBatch batch) {
        Map<String, double[]> out = new HashMap<>();
        for (int[] idx : BatchBuilder.byLength(batch, ctx.settings().microbatchTokens())) {
            TrajectoryBatch micro = BatchBuilder.select(batch, idx);
            double[][] lp = ctx.policy().responseLogProbs(BatchBuilder.sequences(micro));
            for (int j = 0; j < idx.length; j++) {
                out.put(micro.trajectories().get(j).id(), lp[j]);
            }
        }
        return out;
    }

    /** One optimizer step on {@code mb}: forward and backward per length-sorted micro-batch, gradients summed. */
    private double step(TrajectoryBatch mb, PolicyVersion version, Map<String, double[]> prox) {
        Trainer.Settings settings = ctx.settings();
        List<int[]> micro = BatchBuilder.byLength(mb, settings.microbatchTokens());
        List<Policy.Scored> scored = new ArrayList<>(micro.size());
        double[][] current = new double[mb.size()][];
        long kept = 0;
        for (int[] idx : micro) {
            Policy.Scored s = ctx.policy().score(BatchBuilder.sequences(BatchBuilder.select(mb, idx)),
                    kept < KEPT_BYTES);
            kept += s.keptBytes();
            scored.add(s);
            double[][] lp = s.logProbs();
            for (int j = 0; j < idx.length; j++) {
                current[idx[j]] = lp[j];
            }
        }
        double[][] proxOfMb = null;
        if (prox != null) {
            proxOfMb = new double[mb.size()][];
            for (int i = 0; i < mb.size(); i++) {
                proxOfMb[i] = prox.get(mb.trajectories().get(i).id());
            }
        }
        LossResult r = ctx.loss().evaluate(BatchBuilder.lossBatch(mb, current, proxOfMb, version,
                settings.maxSegmentAge()));
        Map<String, INDArray> gradients = null;
        for (int m = 0; m < micro.size(); m++) {
            int[] idx = micro.get(m);
            double[][] rows = new double[idx.length][];
            for (int j = 0; j < idx.length; j++) {
                rows[j] = r.gradient()[idx[j]];
            }
            Map<String, INDArray> g = ctx.policy().backward(scored.get(m), rows).gradients();
            if (gradients == null) {
                gradients = g;
            } else {
                gradients.forEach((name, sum) -> sum.addi(g.get(name)));
            }
        }
        ctx.optimizer().step(ctx.policy().params(), gradients);
        return r.loss();
    }
}
