package dev.tributary.runtime.node;

import dev.tributary.actors.master.MasterSettings;
import dev.tributary.actors.reward.RewardFunction;
import dev.tributary.actors.reward.RewardShaping;
import dev.tributary.actors.rollout.RolloutSettings;
import dev.tributary.actors.sampling.PromptSampler;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.algo.PolicyLoss;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.task.Task;
import dev.tributary.model.Trajectory;
import java.util.List;
import java.util.Objects;

/**
 * Everything one embedded RL job is built from, already constructed from settings and registries.
 *
 * @param workers          rollout workers, each with its own engine over the policy's shared parameters
 * @param replayCapacity   trajectories the replay buffer holds before it back-pressures the stream
 * @param streamBuffer     elements buffered in the segment stream's queue
 * @param deviceBudgetBytes host-memory budget of the shared device (colocated mode)
 * @param startVersion     the policy version the weights are at (the checkpoint's when resuming)
 * @param startIteration   the first iteration to run (1, or the one after the checkpoint)
 * @param restoredReplay   the checkpoint's replay content (unfinished trajectories, partial groups); empty if fresh
 */
public record JobSpec(Task task, Policy policy, Optimizer optimizer, PolicyLoss loss, PromptSampler sampler,
                      RewardFunction reward, RewardShaping shaping, RolloutSettings rollout, MasterSettings master,
                      Trainer.Settings trainer, int workers, int replayCapacity, int streamBuffer,
                      long deviceBudgetBytes, PolicyVersion startVersion, int startIteration,
                      List<Trajectory> restoredReplay) {
    public JobSpec {
        restoredReplay = List.copyOf(restoredReplay);
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(policy, "policy");
        if (workers < 1) {
            throw new IllegalArgumentException("rollout workers " + workers + " must be >= 1");
        }
        long perIteration = (long) master.promptsPerIteration() * master.samplesPerPrompt();
        if (replayCapacity < 2 * perIteration) {
            throw new IllegalArgumentException("replay capacity " + replayCapacity + " must be at least twice the "
                    + perIteration + " trajectories started per iteration, or unfinished work could stall the stream");
        }
    }
}
