package dev.tributary.runtime.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.master.Checkpointer;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.master.MasterSettings;
import dev.tributary.actors.reward.RewardFunction;
import dev.tributary.actors.reward.RewardFunctions;
import dev.tributary.actors.reward.RewardShaping;
import dev.tributary.actors.rollout.RolloutSettings;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.sampling.PromptPool;
import dev.tributary.actors.sampling.Samplers;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.algo.Opmd;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.task.Task;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.sandbox.Problem;
import dev.tributary.sandbox.ProblemSet;
import dev.tributary.sandbox.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The code reward path end to end. The small policy cannot write programs, so a scripted rollout behaviour, swapped
 * in for the engine, emits three candidates per problem — the reference solution, a wrong program and a hostile
 * one — and the real reward actor judges them in the sandbox before the real trainer trains on them.
 */
class CodeRewardPathTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final List<String> PROBLEMS = List.of("caesar", "reverse-string", "sum-two");

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** Problems as prompts: the prompt text is the title, the ground truth the problem id. */
    static final class CodeTask implements Task {
        private final Tokenizer tok = Tokenizer.printableAscii();
        private final ProblemSet set = ProblemSet.builtIn();

        @Override
        public String name() {
            return "code";
        }

        @Override
        public Tokenizer tokenizer() {
            return tok;
        }

        @Override
        public int minDifficulty() {
            return 1;
        }

        @Override
        public int maxDifficulty() {
            return 1;
        }

        @Override
        public Prompt sample(int difficulty, Split split, RandomGenerator rng) {
            String id = PROBLEMS.get(rng.nextInt(PROBLEMS.size()));
            return new Prompt("code:" + id, tok.encode("<bos>" + set.get(id).title() + "\n"), "code", 1, id);
        }

        @Override
        public double reward(Prompt prompt, int[] response) {
            throw new UnsupportedOperationException("the code task is scored by the 'code' reward function");
        }

        @Override
        public int[] workedSolution(Prompt prompt) {
            return tok.encode("```python\n" + set.get(prompt.groundTruth()).references().get(0).source() + "```<eos>");
        }
    }

    @Test
    void scriptedPrograms_areJudgedInTheSandbox_andTrained(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "host-secret-4711");
        CodeTask task = new CodeTask();
        Map<Integer, java.util.function.Function<Problem, String>> script = new HashMap<>();
        script.put(0, p -> "Here is my solution:\n```python\n" + p.references().get(0).source() + "```");
        script.put(1, p -> "```python\nprint('wrong')\n```");
        script.put(2, p -> "```python\nimport os\nfor _ in range(200):\n    try:\n        os.fork()\n    except OSError:\n"
                + "        pass\nprint(open('" + secret + "').read())\n```");
        EmbeddedGuardian.RolloutBehavior scripted = (name, spec, sink, arbiter) -> Behaviors.setup(ctx -> Behaviors
                .receive(RolloutWorker.Command.class)
                .onMessage(RolloutWorker.Rollout.class, r -> {
                    for (var job : r.jobs()) {
                        Trajectory t = job.trajectory();
                        int sample = Integer.parseInt(t.id().substring(t.id().lastIndexOf('/') + 1));
                        String text = script.get(sample).apply(task.set.get(t.prompt().groundTruth())) + "<eos>";
                        int[] tokens = task.tok.encode(text);
                        float[] lp = new float[tokens.length];
                        Arrays.fill(lp, -0.05f);
                        sink.emit(t.append(new Segment(t.id(), 0, tokens, lp, r.version().number(), FinishReason.EOS)));
                    }
                    r.replyTo().tell(new RolloutWorker.Done(name, new RolloutStats(r.jobs().size(), 0, r.jobs().size(),
                            0, 0, 0, 0), ctx.getSelf()));
                    return Behaviors.same();
                })
                .onMessage(RolloutWorker.LoadWeights.class, l -> {
                    l.replyTo().tell(new RolloutWorker.Loaded(name, l.version(), ctx.getSelf()));
                    return Behaviors.same();
                })
                .build());

        try (Sandbox sandbox = Sandbox.create()) {
            RewardFunction code = RewardFunctions.registry().create("code", ConfigFactory.parseString("mode = pass-fraction"))
                    .apply(new RewardFunctions.Context(task, () -> sandbox));
            Policy policy = Policy.create(new PolicyConfig(task.tokenizer().vocabSize(), 512, 16, 2, 1, 32, 1L, DataType.FLOAT));
            JobSpec spec = new JobSpec(task, policy, new Optimizer(policy.params(), Optimizer.Settings.adam(1e-3)),
                    new Opmd(0.1, Opmd.Baseline.MEAN),
                    Samplers.registry().create("uniform", ConfigFactory.empty())
                            .create(new Samplers.Context(new PromptPool(task, 3, 2), 5)),
                    code, RewardShaping.NONE, new RolloutSettings(4, Sampling.of(1.0), 0, 0),
                    new MasterSettings(1, 3, 3, 1000, 1000, 3, List.of(), 1, 10, 0, 2),
                    new Trainer.Settings(1, 9, true, 0, 1L << 20, 3), 1, 64, 4, 64L << 20, PolicyVersion.INITIAL, 1,
                    List.of());
            TestProbe<Trainer.Command> trainer = KIT.createTestProbe();
            CompletableFuture<Master.Finished> done = new CompletableFuture<>();
            KIT.spawn(EmbeddedGuardian.create(spec, scripted, r -> { }, Checkpointer.NONE, done,
                    (b, s) -> Behaviors.monitor(Trainer.Command.class, trainer.ref(), b)), "code-job");
            done.get(3, TimeUnit.MINUTES);

            Trainer.Train train = null;
            while (train == null) {
                if (trainer.receiveMessage(Duration.ofSeconds(5)) instanceof Trainer.Train t) {
                    train = t;
                }
            }
            assertEquals(9, train.batch().size(), "three problems × three candidates");
            for (Trajectory t : train.batch().trajectories()) {
                int sample = Integer.parseInt(t.id().substring(t.id().lastIndexOf('/') + 1));
                double expected = sample == 0 ? 1.0 : 0.0;
                assertEquals(expected, t.reward(), 1e-9, "reward of candidate " + sample + " for " + t.prompt().groundTruth());
            }
        }
        // The hostile candidates' processes (uid 65534 inside the sandbox) must all be gone.
        long leftovers = ProcessHandle.allProcesses()
                .filter(p -> p.info().user().map(u -> u.equals("nobody") || u.equals("65534")).orElse(false))
                .count();
        assertEquals(0, leftovers, "sandboxed processes left behind");
    }
}
