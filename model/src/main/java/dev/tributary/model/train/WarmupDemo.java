package dev.tributary.model.train;

import dev.tributary.model.Prompt;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * SFT warm-up on 2-digit addition, printing held-out exact match as it goes.
 * Usage: {@code WarmupDemo [steps] [batch] [lr] [seconds]}.
 */
public final class WarmupDemo {
    private WarmupDemo() {
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        double lr = args.length > 2 ? Double.parseDouble(args[2]) : 3e-3;
        double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 280;
        ArithmeticTask task = new ArithmeticTask(dev.tributary.model.token.Tokenizer.standard(), 2, false);
        Policy policy = Policy.create(PolicyConfig.defaults(task.tokenizer().vocabSize()));
        Optimizer opt = new Optimizer(policy.params(), Optimizer.Settings.adam(lr));
        SftTrainer sft = new SftTrainer(policy, opt, task);
        InferenceEngine engine = new InferenceEngine(policy.params(), 64);
        List<Prompt> eval = Evaluator.heldOut(task, 2, 200, 99);
        SplittableRandom rng = new SplittableRandom(5);
        long start = System.nanoTime();
        for (int s = 1; s <= steps; s++) {
            List<Prompt> prompts = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                prompts.add(task.sample(1 + rng.nextInt(2), Task.Split.TRAIN, rng));
            }
            SftTrainer.Step st = sft.step(prompts);
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (s % 100 == 0 || elapsed > seconds) {
                Evaluator.Result r = Evaluator.exactMatch(engine, task, eval, 40);
                System.out.printf("step %5d  %6.1fs  loss %.4f  |g| %.3f  held-out exact match %.1f%%%n", s, elapsed,
                        st.loss(), st.gradNorm(), 100 * r.accuracy());
                if (elapsed > seconds) {
                    break;
                }
            }
        }
    }
}
