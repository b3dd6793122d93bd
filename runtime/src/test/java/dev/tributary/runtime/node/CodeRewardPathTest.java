package dev.tributary.runtime.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.rollout.RolloutBehavior;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.task.Task;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.sandbox.Problem;
import dev.tributary.sandbox.ProblemSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.random.RandomGenerator;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code reward path end to end. The small policy cannot write programs, so a scripted rollout behaviour, swapped
 * in for the engine, emits three candidates per problem — the reference solution, a wrong program and a hostile
 * one — and the real reward actor judges them in the sandbox before the real trainer trains on them.
 */
class CodeRewardPathTest {
    private static final List<String> PROBLEMS = List.of("caesar", "reverse-string", "sum-two");

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

        /** Programs are scored by the "code" reward function; exact match (the held-out score) counts nothing. */
        @Override
        public double reward(Prompt prompt, int[] response) {
            return 0;
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
        RolloutBehavior scripted = w -> Behaviors.setup(ctx -> Behaviors
                .receive(RolloutWorker.Command.class)
                .onMessage(RolloutWorker.Rollout.class, r -> {
                    for (var job : r.jobs()) {
                        Trajectory t = job.trajectory();
                        int sample = Integer.parseInt(t.id().substring(t.id().lastIndexOf('/') + 1));
                        String text = script.get(sample).apply(task.set.get(t.prompt().groundTruth())) + "<eos>";
                        int[] tokens = task.tok.encode(text);
                        float[] lp = new float[tokens.length];
                        Arrays.fill(lp, -0.05f);
                        w.sink().emit(t.append(new Segment(t.id(), 0, tokens, lp, r.version().number(),
                                FinishReason.EOS)));
                    }
                    r.replyTo().tell(new RolloutWorker.Done(w.name(), new RolloutStats(r.jobs().size(), 0,
                            r.jobs().size(), 0, 0, 0, 0), ctx.getSelf()));
                    return Behaviors.same();
                })
                .onMessage(RolloutWorker.LoadWeights.class, l -> {
                    l.replyTo().tell(new RolloutWorker.Loaded(w.name(), l.version(), ctx.getSelf()));
                    return Behaviors.same();
                })
                .build());

        // The task and the rollout behaviour are instances; the reward function is the built-in "code" by name.
        List<TrajectoryBatch> batches = new CopyOnWriteArrayList<>();
        Plugins plugins = TinyRuns.recordingBatches(batches).use(Plugins.TASK, task)
                .use(Plugins.ROLLOUT_BEHAVIOR, scripted);
        RunSpec spec = RunSpec.of(ConfigFactory.parseString("""
                tributary {
                  model { context-length = 512, d-model = 16, heads = 2, layers = 1, ff-hidden = 32 }
                  run { iterations = 1, checkpoint-every = 0, seed = 3, out-dir = "%s" }
                  sft.steps = 0
                  sampler { prompts-per-iteration = 3, samples-per-prompt = 3, pool-size = 3,
                            difficulty { start = 1, end = 1 } }
                  rollout { workers = 1, slots = 4, token-budget = 1000, max-response-tokens = 1000 }
                  reward { function = code, code.mode = pass-fraction, length-penalty-weight = 0, repeat-penalty = 0 }
                  replay.capacity = 64
                  trainer { minibatch-size = 9, steps-per-iteration = 1, step = recording }
                  eval.prompts = 0
                }
                """.formatted(dir.resolve("run")))).withPlugins(plugins);
        try (TributaryRun run = Tributary.start(spec)) {
            TinyRuns.await(run);
        }
        assertEquals(1, batches.size());
        TrajectoryBatch train = batches.get(0);
        assertEquals(9, train.size(), "three problems × three candidates");
        for (Trajectory t : train.trajectories()) {
            int sample = Integer.parseInt(t.id().substring(t.id().lastIndexOf('/') + 1));
            double expected = sample == 0 ? 1.0 : 0.0;
            assertEquals(expected, t.reward(), 1e-9, "reward of candidate " + sample + " for "
                    + t.prompt().groundTruth());
        }
        // The hostile candidates' processes (uid 65534 inside the sandbox) must all be gone.
        long leftovers = ProcessHandle.allProcesses()
                .filter(p -> p.info().user().map(u -> u.equals("nobody") || u.equals("65534")).orElse(false))
                .count();
        assertEquals(0, leftovers, "sandboxed processes left behind");
    }
}
