package dev.tributary.model.reward;

import dev.tributary.model.Prompt;
import dev.tributary.model.Require;
import dev.tributary.model.engine.Generation;
import dev.tributary.model.engine.GenerationRequest;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.nd4j.evaluation.classification.ROC;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The reward model's data and its training: responses sampled from a policy, labelled by the task's verifier;
 * minibatch steps over them; and the classification accuracy and AUC against the verifier on other responses.
 */
public final class RewardModelTraining {
    private RewardModelTraining() {
    }

    /** One response to a prompt and the verifier's verdict on it. */
    public record Labelled(Prompt prompt, int[] response, boolean correct) {
    }

    /** How a model did against the verifier on {@code samples} responses. */
    public record Evaluation(int samples, double shareCorrect, double accuracy, double auc) {
        /** The accuracy of always answering the more common label: what a model must beat. */
        public double majorityAccuracy() {
            return Math.max(shareCorrect, 1 - shareCorrect);
        }
    }

    /**
     * {@code k} sampled responses to each prompt (at most {@code maxTokens} each), each labelled correct when the
     * task's verifier gives it the full reward. Reproducible from {@code seed}.
     */
    public static List<Labelled> sample(InferenceEngine engine, Task task, List<Prompt> prompts, int k, int maxTokens,
                                        Sampling sampling, long seed) {
        Require.positive(k, "samples per prompt");
        List<GenerationRequest> requests = new ArrayList<>(prompts.size() * k);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < prompts.size(); i++) {
            for (int j = 0; j < k; j++) {
                requests.add(GenerationRequest.of("rm-" + i + "-" + j, prompts.get(i).tokens(), maxTokens, sampling,
                        rng.nextLong()));
            }
        }
        List<Generation> out = engine.generate(requests);
        List<Labelled> data = new ArrayList<>(out.size());
        for (int r = 0; r < out.size(); r++) {
            Prompt p = prompts.get(r / k);
            int[] response = out.get(r).tokens();
            data.add(new Labelled(p, response, task.reward(p, response) >= 1.0));
        }
        return data;
    }

    /**
     * {@code steps} optimizer steps on minibatches of {@code batchSize} drawn from {@code data} (reshuffled after
     * every pass); {@code progress} gets each 50th step's mean loss.
     */
    public static void train(RewardModel model, List<Labelled> data, int steps, int batchSize, long seed,
                             Consumer<String> progress) {
        Require.positive(steps, "reward model training steps");
        Require.positive(batchSize, "reward model batch size");
        if (data.isEmpty()) {
            throw new IllegalArgumentException("the reward model needs labelled responses to train on; got none");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int[] order = shuffled(data.size(), rng);
        int cursor = 0;
        double loss = 0;
        int counted = 0;
        long start = System.nanoTime();
        for (int step = 1; step <= steps; step++) {
            int n = Math.min(batchSize, data.size());
            List<int[]> prompts = new ArrayList<>(n);
            List<int[]> responses = new ArrayList<>(n);
            boolean[] labels = new boolean[n];
            for (int i = 0; i < n; i++) {
                if (cursor == order.length) {
                    order = shuffled(data.size(), rng);
                    cursor = 0;
                }
                Labelled l = data.get(order[cursor++]);
                prompts.add(l.prompt().tokens());
                responses.add(l.response());
                labels[i] = l.correct();
            }
            loss += model.fit(prompts, responses, labels);
            counted++;
            if (step % 50 == 0 || step == steps) {
                progress.accept(String.format(java.util.Locale.ROOT, "reward model %5d/%d | loss %.4f | %.1fs",
                        step, steps, loss / counted, (System.nanoTime() - start) / 1e9));
                loss = 0;
                counted = 0;
            }
        }
    }

    /** Accuracy (P(correct) ≥ 0.5 taken as "correct") and ROC AUC of {@code model} against the verifier's labels. */
    public static Evaluation evaluate(RewardModel model, List<Labelled> data) {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("evaluating the reward model needs labelled responses; got none");
        }
        double[] p = probabilities(model, data);
        int right = 0;
        int correct = 0;
        INDArray labels = Nd4j.create(DataType.FLOAT, data.size(), 1);
        INDArray predictions = Nd4j.create(DataType.FLOAT, data.size(), 1);
        for (int i = 0; i < p.length; i++) {
            boolean c = data.get(i).correct();
            correct += c ? 1 : 0;
            right += (p[i] >= 0.5) == c ? 1 : 0;
            labels.putScalar(i, 0, c ? 1f : 0f);
            predictions.putScalar(i, 0, (float) p[i]);
        }
        double auc = Double.NaN;
        if (correct > 0 && correct < p.length) {
            ROC roc = new ROC(0); // exact: every distinct score is a threshold
            roc.eval(labels, predictions);
            auc = roc.calculateAUC();
        }
        return new Evaluation(p.length, (double) correct / p.length, (double) right / p.length, auc);
    }

    /** The model's P(correct) of every response, in batches of 256. */
    public static double[] probabilities(RewardModel model, List<Labelled> data) {
        double[] out = new double[data.size()];
        for (int from = 0; from < data.size(); from += 256) {
            int to = Math.min(data.size(), from + 256);
            List<int[]> prompts = new ArrayList<>(to - from);
            List<int[]> responses = new ArrayList<>(to - from);
            for (Labelled l : data.subList(from, to)) {
                prompts.add(l.prompt().tokens());
                responses.add(l.response());
            }
            System.arraycopy(model.probabilities(prompts, responses), 0, out, from, to - from);
        }
        return out;
    }

    private static int[] shuffled(int n, SplittableRandom rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
