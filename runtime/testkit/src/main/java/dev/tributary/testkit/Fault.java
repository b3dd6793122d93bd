package dev.tributary.testkit;

import java.util.Arrays;
import java.util.Locale;

/**
 * A fault a load test injects into a run that spans several ActorSystems ({@link LoadProfile#systems()} of 3 or
 * more). Every fault hits one rollout-only node, chosen by the seed among those still serving, and never the last
 * one; the master, replay buffer, reward and trainer share a node that is never hit, since the run cannot go on
 * without them. What the runtime does about each is what the test observes: the lost node's workers drop out, work
 * pulling hands their unconfirmed batches to the others, and the replay buffer drops the copies that re-run.
 */
public enum Fault {
    /**
     * Stops one worker actor. The node's rollout role treats a stopped worker as fatal, so the node's roles stop
     * (its ActorSystem stays up and in the cluster) and every worker of that node is lost to the run.
     */
    STOP_WORKER("stop-worker"),
    /** Downs the node through the cluster's membership; its ActorSystem shuts itself down. */
    DOWN_NODE("down-node"),
    /** Terminates the node's ActorSystem: it leaves the cluster and stops. */
    TERMINATE_SYSTEM("terminate-system");

    private final String label;

    Fault(String label) {
        this.label = label;
    }

    /** The name used in a profile's {@code faults} list. */
    public String label() {
        return label;
    }

    /** The fault named {@code label}; {@code key} names the setting in the message for an unknown one. */
    public static Fault of(String key, String label) {
        return Arrays.stream(values()).filter(f -> f.label.equals(label == null ? "" : label.toLowerCase(Locale.ROOT)))
                .findFirst().orElseThrow(() -> new IllegalArgumentException(key + " = \"" + label + "\": expected one of "
                        + String.join(", ", Arrays.stream(values()).map(Fault::label).toList())));
    }

    @Override
    public String toString() {
        return label;
    }

    /**
     * Injects {@code kind} while the run goes on: each finished trajectory triggers it with probability
     * {@code perThousand / 1000} (decided by the seed and the trajectory's id, so the same trajectories trigger in
     * every run of a profile), at most {@code max} times.
     */
    public record Plan(Fault kind, double perThousand, int max) {
        public Plan {
            if (kind == null) {
                throw new IllegalArgumentException("fault kind: expected one of stop-worker, down-node, terminate-system");
            }
            if (!(perThousand > 0) || perThousand > 1000) {
                throw new IllegalArgumentException("faults " + kind + " per-thousand = " + perThousand
                        + ": expected a rate in (0, 1000] per 1,000 finished trajectories");
            }
            if (max < 1) {
                throw new IllegalArgumentException("faults " + kind + " max = " + max + ": expected at least 1");
            }
        }

        /** {@code kind} at {@code perThousand} per 1,000 finished trajectories, once. */
        public static Plan of(Fault kind, double perThousand) {
            return new Plan(kind, perThousand, 1);
        }

        @Override
        public String toString() {
            return kind + " at " + perThousand + "/1000 trajectories, at most " + max;
        }
    }
}
