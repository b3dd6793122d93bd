package dev.tributary.model.train;

import dev.tributary.model.Prompt;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.task.Task;
import dev.tributary.model.token.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * SFT warm-up of the default policy on 1–2 digit addition, printing held-out exact match on 200 unseen 2-digit
 * sums every 100 steps and a before/after summary. Usage: {@code WarmupDemo [steps] [batch] [lr] [seconds]}
 * (defaults 1500, 32, 3e-3, 280: it stops at whichever limit comes first).
 */
public final class WarmupDemo {
    private WarmupDemo() {
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? positiveInt(args[0], "steps") : 1500;
        int batch = args.length > 1 ? positiveInt(args[1], "batch") : 32;
        double lr = args.length > 2 ? Double.parseDouble(args[2]) : 3e-3;
        double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 280;
        ArithmeticTask task = new ArithmeticTask(Tokenizer.standard(), 2, false);
        Policy policy = Policy.create(PolicyConfig.defaults(task.tokenizer().vocabSize()));
        SftTrainer sft = new SftTrainer(policy, new Optimizer(policy.params(), Optimizer.Settings.adam(lr)), task);
        InferenceEngine engine = new InferenceEngine(policy.params(), 64);
        List<Prompt> eval = Evaluator.heldOut(task, 2, 200, 99);
        double before = Evaluator.exactMatch(engine, task, eval, 40).accuracy();
        System.out.printf("SFT warm-up: %,d parameters, batch %d, lr %s, held-out set of %d unseen 2-digit sums%n",
                policy.params().count(), batch, lr, eval.size());
        System.out.printf("%6s %8s %8s %10s%n", "step", "time s", "loss", "held-out");
        SplittableRandom rng = new SplittableRandom(5);
        long start = System.nanoTime();
        double after = before;
        int s = 0;
        double elapsed = 0;
        while (s < steps && elapsed < seconds) {
            List<Prompt> prompts = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                prompts.add(task.sample(1 + rng.nextInt(2), Task.Split.TRAIN, rng));
            }
            SftTrainer.Step st = sft.step(prompts);
            s++;
            elapsed = (System.nanoTime() - start) / 1e9;
            if (s % 100 == 0 || s == steps || elapsed >= seconds) {
                after = Evaluator.exactMatch(engine, task, eval, 40).accuracy();
                System.out.printf("%6d %8.1f %8.4f %9.1f%%%n", s, elapsed, st.loss(), 100 * after);
            }
        }
        System.out.printf("held-out exact match: %.1f%% before, %.1f%% after %d steps in %.0f s%n",
                100 * before, 100 * after, s, elapsed);
    }

    private static int positiveInt(String v, String what) {
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException(what + " '" + v + "' must be a positive whole number");
    }
}
