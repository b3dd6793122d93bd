package dev.tributary.model;

import java.util.List;
import java.util.Objects;

/**
 * A prompt and its response so far, as an ordered chain of segments, possibly spanning several iterations.
 *
 * @param reward the verifier's reward, {@code NaN} until scored
 */
public record Trajectory(String id, Prompt prompt, List<Segment> segments, double reward) {
    public Trajectory {
        Require.nonBlank(id, "trajectory id");
        Objects.requireNonNull(prompt, "prompt of trajectory " + id);
        segments = List.copyOf(Objects.requireNonNull(segments, "segments of trajectory " + id));
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            if (!s.trajectoryId().equals(id) || s.index() != i) {
                throw new IllegalArgumentException("segment " + s + " at position " + i + " of trajectory " + id
                        + ": expected trajectory id " + id + " and index " + i);
            }
            if (i < segments.size() - 1 && s.finishReason().terminal()) {
                throw new IllegalArgumentException("segment " + s + " finished with " + s.finishReason()
                        + " but is followed by another segment in trajectory " + id);
            }
        }
        if (Double.isInfinite(reward)) {
            throw new IllegalArgumentException("reward " + reward + " of trajectory " + id + " must be finite or NaN (unscored)");
        }
    }

    /** A trajectory with no response yet. */
    public static Trajectory start(String id, Prompt prompt) {
        return new Trajectory(id, prompt, List.of(), Double.NaN);
    }

    public Trajectory append(Segment segment) {
        if (finished()) {
            throw new IllegalStateException("trajectory " + id + " is finished; cannot append " + segment);
        }
        var next = new java.util.ArrayList<>(segments);
        next.add(segment);
        return new Trajectory(id, prompt, next, Double.NaN);
    }

    public Trajectory withReward(double r) {
        if (!Double.isFinite(r)) {
            throw new IllegalArgumentException("reward " + r + " for trajectory " + id + " must be finite");
        }
        return new Trajectory(id, prompt, segments, r);
    }

    public boolean scored() {
        return !Double.isNaN(reward);
    }

    /** True once the last segment ended for a reason other than the token budget. */
    public boolean finished() {
        return !segments.isEmpty() && segments.get(segments.size() - 1).finishReason().terminal();
    }

    public FinishReason finishReason() {
        if (segments.isEmpty()) {
            throw new IllegalStateException("trajectory " + id + " has no segments yet");
        }
        return segments.get(segments.size() - 1).finishReason();
    }

    public int responseLength() {
        int n = 0;
        for (Segment s : segments) {
            n += s.length();
        }
        return n;
    }

    /** All generated tokens, in order. */
    public int[] responseTokens() {
        int[] out = new int[responseLength()];
        int at = 0;
        for (Segment s : segments) {
            int[] t = s.tokens();
            System.arraycopy(t, 0, out, at, t.length);
            at += t.length;
        }
        return out;
    }

    /** Log-probs of the generating policy, aligned with {@link #responseTokens()}. */
    public float[] behaviourLogProbs() {
        float[] out = new float[responseLength()];
        int at = 0;
        for (Segment s : segments) {
            float[] l = s.logProbs();
            System.arraycopy(l, 0, out, at, l.length);
            at += l.length;
        }
        return out;
    }

    /** Prompt followed by the response so far: the prefix a resumed generation continues from. */
    public int[] prefix() {
        int[] p = prompt.tokens();
        int[] r = responseTokens();
        int[] out = new int[p.length + r.length];
        System.arraycopy(p, 0, out, 0, p.length);
        System.arraycopy(r, 0, out, p.length, r.length);
        return out;
    }

    public long oldestVersion() {
        return segments.stream().mapToLong(Segment::policyVersion).min().orElseThrow(
                () -> new IllegalStateException("trajectory " + id + " has no segments yet"));
    }
}
