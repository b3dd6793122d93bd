package dev.tributary.model;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A task instance given to the policy.
 *
 * @param id          stable identifier, also the group key for the k samples drawn for it
 * @param tokens      the encoded prompt, starting with BOS
 * @param task        name of the task that generated it (selects the verifier)
 * @param difficulty  task-specific difficulty level, >= 0
 * @param groundTruth the reference answer the verifier checks against
 * @param images      images shown to the policy before the text (none for a text prompt), at most
 *                    {@link #MAX_IMAGE_BYTES} in all; the k samples of a prompt share this one list
 */
public record Prompt(String id, int[] tokens, String task, int difficulty, String groundTruth, List<Image> images) {
    /** Most bytes of pixel values one prompt may carry, over all its images (1 MiB). */
    public static final long MAX_IMAGE_BYTES = 1L << 20;

    /** A text prompt. */
    public Prompt(String id, int[] tokens, String task, int difficulty, String groundTruth) {
        this(id, tokens, task, difficulty, groundTruth, List.of());
    }

    public Prompt {
        Require.nonBlank(id, "prompt id");
        Objects.requireNonNull(tokens, "prompt tokens");
        if (tokens.length == 0) {
            throw new IllegalArgumentException("prompt '" + id + "' has no tokens");
        }
        Require.nonBlank(task, "task of prompt '" + id + "'");
        if (difficulty < 0) {
            throw new IllegalArgumentException("difficulty " + difficulty + " of prompt '" + id + "' must be >= 0");
        }
        Objects.requireNonNull(groundTruth, "ground truth of prompt '" + id + "'");
        images = List.copyOf(Objects.requireNonNull(images, "images of prompt '" + id + "'"));
        long bytes = 0;
        for (Image i : images) {
            bytes += i.bytes();
        }
        if (bytes > MAX_IMAGE_BYTES) {
            throw new IllegalArgumentException("prompt '" + id + "' carries " + images.size() + " images of " + bytes
                    + " bytes in all; expected at most " + MAX_IMAGE_BYTES + " bytes (Prompt.MAX_IMAGE_BYTES)");
        }
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    public int length() {
        return tokens.length;
    }

    public boolean hasImages() {
        return !images.isEmpty();
    }

    /** Bytes of pixel values over all images (0 for a text prompt). */
    public long imageBytes() {
        long bytes = 0;
        for (Image i : images) {
            bytes += i.bytes();
        }
        return bytes;
    }

    /** This prompt carrying {@code shared} (equal images, another instance) instead: how k copies become one. */
    public Prompt withImages(List<Image> shared) {
        if (!images.equals(shared)) {
            throw new IllegalArgumentException("prompt '" + id + "': the images to share differ from its own");
        }
        return new Prompt(id, tokens, task, difficulty, groundTruth, shared);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Prompt p && id.equals(p.id) && Arrays.equals(tokens, p.tokens) && task.equals(p.task)
                && difficulty == p.difficulty && groundTruth.equals(p.groundTruth) && images.equals(p.images);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(tokens), task, difficulty, groundTruth, images.size());
    }

    @Override
    public String toString() {
        String img = images.isEmpty() ? "" : ", " + images.size() + " image" + (images.size() == 1 ? "" : "s");
        return "Prompt[" + id + ", " + task + "/" + difficulty + ", " + tokens.length + " tokens" + img + "]";
    }
}
