package dev.tributary.actors.reward;

import dev.tributary.model.Prompt;
import dev.tributary.model.registry.Registry;
import dev.tributary.model.task.Task;
import dev.tributary.sandbox.CodeScorer;
import dev.tributary.sandbox.ProblemSet;
import dev.tributary.sandbox.Sandbox;
import java.util.function.Supplier;

/** Built-in reward functions by name; each factory gets the run's context. */
public final class RewardFunctions {
    private RewardFunctions() {
    }

    /**
     * What a reward-function factory may use besides its settings. The sandbox is created on first use (and
     * closed by whoever supplies it), so functions that need none cost nothing.
     */
    public record Context(Task task, Supplier<Sandbox> sandbox, Supplier<LearnedReward.Model> rewardModel) {
        /** A context without a reward-model role: the {@code learned} function is refused. */
        public Context(Task task, Supplier<Sandbox> sandbox) {
            this(task, sandbox, () -> {
                throw new IllegalArgumentException(KEY + " = \"learned\" needs the reward-model role, which this "
                        + "run does not host");
            });
        }
    }

    private static CodeScorer.Mode mode(String m) {
        return switch (m) {
            case "pass-fraction" -> CodeScorer.Mode.PASS_FRACTION;
            case "all-pass" -> CodeScorer.Mode.ALL_PASS;
            default -> throw new IllegalArgumentException("code reward mode '" + m + "' must be 'pass-fraction' or 'all-pass'");
        };
    }

    /** The setting that names the reward function; its settings live under {@code tributary.reward.<name>}. */
    public static final String KEY = "tributary.reward.function";

    public static Registry<Context, RewardFunction> registry() {
        return new Registry<>(KEY, RewardFunction.class, Context.class)
                .register("verifier", (c, ctx) -> verifier(ctx.task()))
                .register("code", (c, ctx) -> new CodeReward(new CodeScorer(ctx.sandbox().get(),
                        mode(c.getString("mode"))), ProblemSet.builtIn(), ctx.task().tokenizer()))
                .register("learned", (c, ctx) -> new LearnedReward(ctx.rewardModel().get(), verifier(ctx.task()),
                        c.getDouble("verifier-weight")));
    }

    /** The task's own rule-based verifier (exact answer match for arithmetic). */
    public static RewardFunction verifier(Task task) {
        return new RewardFunction() {
            @Override
            public String name() {
                return "verifier";
            }

            @Override
            public double score(Prompt prompt, int[] response) {
                return task.reward(prompt, response);
            }
        };
    }
}
