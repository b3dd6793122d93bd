package dev.tributary.actors.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.Prompt;
import dev.tributary.model.reward.RewardModel;
import dev.tributary.model.reward.RewardModelShape;
import dev.tributary.model.token.Tokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

// One test instance per class, so that the extension's single kit (shut down after all tests) is the only one.
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RewardModelServerTest {
    @JUnit5TestKit
    final ActorTestKit testKit = new JUnit5TestKitBuilder().build();

    private static final Tokenizer T = Tokenizer.standard();
    private static final RewardModel MODEL = RewardModel.create(new RewardModelShape(T.vocabSize(), 32, 4, 8, 3),
            "arithmetic", T, 1e-3, 2);

    @Test
    void requestsArrivingTogether_areScoredInBatches_asTheModelScoresThemOneByOne() {
        CompletableFuture<RewardModelServer.Stats> closing = new CompletableFuture<>();
        var server = testKit.spawn(RewardModelServer.create(MODEL, 16, Duration.ofMillis(50), closing::complete));
        List<int[]> prompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        List<TestProbe<RewardModelServer.Scored>> probes = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            prompts.add(T.encode("<bos>" + i + "+" + (i * 7 % 13) + "="));
            responses.add(T.encode((i % 10) + "+3+0=0" + (i % 10) + ",<sep>" + i + "<eos>"));
            TestProbe<RewardModelServer.Scored> probe = testKit.createTestProbe();
            probes.add(probe);
            server.tell(new RewardModelServer.Score(prompts.get(i), responses.get(i), probe.getRef()));
        }
        for (int i = 0; i < 40; i++) {
            RewardModelServer.Scored s = probes.get(i).receiveMessage(Duration.ofSeconds(30));
            double alone = MODEL.probabilities(List.of(prompts.get(i)), List.of(responses.get(i)))[0];
            assertEquals(alone, s.probability(), 1e-5, "request " + i);
        }
        TestProbe<RewardModelServer.Stats> stats = testKit.createTestProbe();
        server.tell(new RewardModelServer.GetStats(stats.getRef()));
        RewardModelServer.Stats st = stats.receiveMessage();
        assertEquals(40, st.requests());
        assertTrue(st.batches() >= 3 && st.batches() < 40, "40 requests sent at once went in " + st.batches()
                + " batches");
        assertTrue(st.largestBatch() <= 16, "no batch above the limit: " + st.largestBatch());
        testKit.stop(server);
        assertEquals(40, closing.join().requests(), "the closing figures");
    }

    @Test
    void learnedReward_mixesTheModelWithTheVerifierByWeight() {
        Prompt p = new dev.tributary.model.task.ArithmeticTask(T, 2, false).prompt(12, 30, '+', 2);
        RewardFunction verifier = new RewardFunction() {
            @Override
            public String name() {
                return "verifier";
            }

            @Override
            public double score(Prompt prompt, int[] response) {
                return 1.0;
            }
        };
        LearnedReward.Model constant = (prompt, response) -> 0.2;
        assertEquals(0.2, new LearnedReward(constant, verifier, 0).score(p, new int[] {2}), 1e-12);
        assertEquals(0.6, new LearnedReward(constant, verifier, 0.5).score(p, new int[] {2}), 1e-12);
        assertEquals(1.0, new LearnedReward(constant, verifier, 1).score(p, new int[] {2}), 1e-12);
        LearnedReward r = new LearnedReward(constant, verifier, 0);
        r.score(p, new int[] {2});
        assertEquals(0.0, r.agreement().agreement(), "P 0.2 against a correct answer disagrees");
        var e = assertThrows(IllegalArgumentException.class, () -> new LearnedReward(constant, verifier, 1.5));
        assertEquals("tributary.reward.learned.verifier-weight = 1.5: expected a number in [0, 1]", e.getMessage());
        LearnedReward broken = new LearnedReward((prompt, response) -> Double.NaN, verifier, 0);
        assertThrows(IllegalStateException.class, () -> broken.score(p, new int[] {2}));
    }
}
