package dev.tributary.model.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Test;

/** The warm-up learns: held-out exact match on 2-digit addition goes from 0 to above 50% in a fixed step count. */
class SftTrainerTest {
    @Test
    void warmup_learnsTwoDigitAddition() {
        ArithmeticTask task = new ArithmeticTask(Tokenizer.standard(), 2, false);
        Policy policy = Policy.create(PolicyConfig.defaults(task.tokenizer().vocabSize()));
        SftTrainer sft = new SftTrainer(policy, new Optimizer(policy.params(), Optimizer.Settings.adam(3e-3)), task);
        InferenceEngine engine = new InferenceEngine(policy.params(), 64);
        List<Prompt> eval = Evaluator.heldOut(task, 2, 100, 99);
        double before = Evaluator.exactMatch(engine, task, eval, 32).accuracy();
        SplittableRandom rng = new SplittableRandom(5);
        double firstLoss = Double.NaN;
        double lastLoss = Double.NaN;
        for (int s = 0; s < 600; s++) {
            List<Prompt> batch = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                batch.add(task.sample(1 + rng.nextInt(2), Task.Split.TRAIN, rng));
            }
            lastLoss = sft.step(batch).loss();
            firstLoss = s == 0 ? lastLoss : firstLoss;
        }
        double after = Evaluator.exactMatch(engine, task, eval, 32).accuracy();
        assertTrue(before < 0.05, "an untrained model should not solve held-out sums: " + before);
        assertTrue(lastLoss < firstLoss / 10, "loss " + firstLoss + " -> " + lastLoss);
        assertTrue(after > 0.5, "held-out exact match after 600 steps " + after + " must exceed 0.5");
    }
}
