package dev.tributary.actors.master;

import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.model.Prompt;
import dev.tributary.model.Require;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryIds;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pure parts of the kernel: which jobs an iteration rolls out, how they are cut into batches, each
 * trajectory's seed, and the fixed order of what reaches the trainer. A run is a function of its seed and
 * settings, whichever worker finishes first; this is what makes a resumed run repeat the uninterrupted one.
 */
final class Jobs {
    static final Comparator<Trajectory> BY_ID = Comparator.comparing(Trajectory::id);

    private Jobs() {
    }

    /** Resumed trajectories first (by id), then k fresh samples per prompt, ids {@code i<iteration>-q<q>/<j>}. */
    static List<RolloutJob> of(MasterSettings settings, int iteration, List<Trajectory> unfinished,
                               List<Prompt> prompts) {
        List<RolloutJob> jobs = new ArrayList<>();
        for (Trajectory t : unfinished.stream().sorted(BY_ID).toList()) {
            jobs.add(job(settings, t));
        }
        for (int q = 0; q < prompts.size(); q++) {
            for (int j = 0; j < settings.samplesPerPrompt(); j++) {
                jobs.add(job(settings, Trajectory.start(TrajectoryIds.of("i" + iteration + "-q" + q, j),
                        prompts.get(q))));
            }
        }
        return jobs;
    }

    private static RolloutJob job(MasterSettings settings, Trajectory t) {
        return RolloutJob.of(t, settings.tokenBudget(), settings.maxResponseTokens(), seedOf(settings.seed(), t.id()));
    }

    /** How many batches: enough to fill every live worker's window, never more than there are jobs. */
    static int batchCount(int jobs, int batchesPerWorker, int liveWorkers) {
        Require.positive(liveWorkers, "live rollout workers");
        return Math.min(jobs, batchesPerWorker * liveWorkers);
    }

    /**
     * Most a batch may hold, by {@link #bytesOf} estimate. Work pulling sends a batch as one remote message, and
     * Reliable Delivery cannot chunk work-pulling messages (Pekko 1.2): a batch over Artery's frame (256 KiB by
     * default) would be dropped and resent forever.
     */
    static final long MAX_BATCH_BYTES = 64 * 1024;

    /** An upper estimate of a job's serialized size: its prompt and segment tokens with their log-probs. */
    static long bytesOf(RolloutJob job) {
        Trajectory t = job.trajectory();
        long tokens = t.prompt().length();
        for (var s : t.segments()) {
            tokens += s.tokens().length;
        }
        return 128 + 8 * tokens + 48L * t.segments().size();
    }

    /**
     * The batches of {@code jobs}: {@link #batchCount} of them, or more (up to one per job) until none is estimated
     * above {@code maxBytes}. Jobs are seeded by id, so how they are batched changes no result.
     */
    static List<List<RolloutJob>> batches(List<RolloutJob> jobs, int batchesPerWorker, int liveWorkers, long maxBytes) {
        long total = jobs.stream().mapToLong(Jobs::bytesOf).sum();
        int n = (int) Math.min(jobs.size(), Math.max(batchCount(jobs.size(), batchesPerWorker, liveWorkers),
                (total + maxBytes - 1) / maxBytes));
        while (true) {
            List<List<RolloutJob>> batches = cut(jobs, n);
            boolean fits = batches.stream().allMatch(b -> b.stream().mapToLong(Jobs::bytesOf).sum() <= maxBytes);
            if (fits || n >= jobs.size()) {
                return batches;
            }
            n++;
        }
    }

    /** Job i goes to batch i mod n: the batches are a function of the job list and the number of live workers. */
    static List<List<RolloutJob>> cut(List<RolloutJob> jobs, int n) {
        Require.positive(n, "batch count");
        List<List<RolloutJob>> batches = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            batches.add(new ArrayList<>());
        }
        for (int i = 0; i < jobs.size(); i++) {
            batches.get(i % n).add(jobs.get(i));
        }
        return batches.stream().map(List::copyOf).toList();
    }

    /** The id of batch {@code b} of {@code iteration}: unique over a run, so a late answer is recognised. */
    static String batchId(int iteration, int b) {
        return "i" + iteration + "-b" + b;
    }

    /** Members by id, groups by their first member's id: the order the buffer hands them over is not fixed. */
    static List<List<Trajectory>> sorted(List<List<Trajectory>> groups) {
        List<List<Trajectory>> out = new ArrayList<>();
        for (List<Trajectory> group : groups) {
            out.add(group.stream().sorted(BY_ID).toList());
        }
        out.sort(Comparator.comparing(group -> group.get(0).id()));
        return List.copyOf(out);
    }

    /** A trajectory's random stream: fixed by the run seed and its id, so resumes and re-runs reproduce it. */
    static long seedOf(long runSeed, String trajectoryId) {
        long z = runSeed * 0x9E3779B97F4A7C15L + trajectoryId.hashCode();
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        return z ^ (z >>> 33);
    }
}
