package dev.tributary.model.policy;

import dev.tributary.model.Image;
import java.util.List;

/**
 * The policy's vision front end: each image ({@code height × width × channels}) is cut into {@code patch × patch}
 * squares; each square's values, flattened, are projected linearly into the model's width ({@code vis.w},
 * {@code vis.b}) and added to a learned position per patch ({@code vis.pos}, over all the prompt's patches in
 * order). The patches go before the text tokens, which keep their own positions {@code 0..}; attention is causal
 * over the whole sequence, so every text token sees every patch. {@link #NONE} (max-images 0): a text-only model.
 *
 * @param maxImages most images one prompt may carry (0: no front end)
 * @param patch     side of a square patch in pixels; divides height and width
 */
public record VisionConfig(int maxImages, int height, int width, int channels, int patch) {
    /** No vision front end: the model takes text only, and its parameters are those of a text model. */
    public static final VisionConfig NONE = new VisionConfig(0, 0, 0, 0, 0);

    public VisionConfig {
        if (maxImages < 0) {
            throw new IllegalArgumentException("vision max-images " + maxImages + " must be >= 0");
        }
        if (maxImages > 0) {
            if (height < 1 || height > Image.MAX_SIDE || width < 1 || width > Image.MAX_SIDE) {
                throw new IllegalArgumentException("vision image size " + height + "×" + width + " must be within [1, "
                        + Image.MAX_SIDE + "] on each side");
            }
            if (channels < 1 || channels > Image.MAX_CHANNELS) {
                throw new IllegalArgumentException("vision channels " + channels + " must be in [1, "
                        + Image.MAX_CHANNELS + "]");
            }
            if (patch < 1 || height % patch != 0 || width % patch != 0) {
                throw new IllegalArgumentException("vision patch size " + patch + " must be > 0 and divide the image's "
                        + "height " + height + " and width " + width);
            }
        } else if (height != 0 || width != 0 || channels != 0 || patch != 0) {
            throw new IllegalArgumentException("vision shape " + height + "×" + width + "×" + channels + " patch " + patch
                    + " given with max-images 0; expected all 0 for a text-only model");
        }
    }

    public static VisionConfig of(int maxImages, int height, int width, int channels, int patch) {
        return maxImages == 0 ? NONE : new VisionConfig(maxImages, height, width, channels, patch);
    }

    public boolean enabled() {
        return maxImages > 0;
    }

    /** Values in one flattened patch: the input width of the projection. */
    public int patchDim() {
        return patch * patch * channels;
    }

    public int patchesPerImage() {
        return enabled() ? (height / patch) * (width / patch) : 0;
    }

    /** Rows of {@code vis.pos}: the patches of the largest image set. */
    public int maxPatches() {
        return maxImages * patchesPerImage();
    }

    /** "16×16×1", for messages. */
    public String imageShape() {
        return height + "×" + width + "×" + channels;
    }

    /**
     * Refuses images this front end cannot take, naming the value and the expectation: images on a text-only
     * model, more than {@link #maxImages}, or a shape other than the configured one.
     */
    public void check(List<Image> images, String owner) {
        if (images.isEmpty()) {
            return;
        }
        if (!enabled()) {
            throw new IllegalArgumentException(owner + " carries " + images.size() + " image"
                    + (images.size() == 1 ? "" : "s") + " but the model has no vision front end "
                    + "(tributary.model.vision.max-images = 0); expected a text-only prompt");
        }
        if (images.size() > maxImages) {
            throw new IllegalArgumentException(owner + " carries " + images.size() + " images; the model's vision front "
                    + "end takes at most " + maxImages + " (tributary.model.vision.max-images)");
        }
        for (int i = 0; i < images.size(); i++) {
            Image im = images.get(i);
            if (im.height() != height || im.width() != width || im.channels() != channels) {
                throw new IllegalArgumentException("image " + i + " of " + owner + " is " + im.shape()
                        + "; the model's vision front end expects " + imageShape());
            }
        }
    }

    /** Patch rows of {@code images} ({@link #check checked}): {@code [patches, patchDim]}, row-major, in order. */
    public float[] patches(List<Image> images) {
        int per = patchesPerImage();
        int dim = patchDim();
        int cols = width / patch;
        float[] out = new float[images.size() * per * dim];
        int row = 0;
        for (Image im : images) {
            for (int p = 0; p < per; p++, row++) {
                int y0 = (p / cols) * patch;
                int x0 = (p % cols) * patch;
                int at = row * dim;
                for (int dy = 0; dy < patch; dy++) {
                    im.copy(((y0 + dy) * width + x0) * channels, out, at, patch * channels);
                    at += patch * channels;
                }
            }
        }
        return out;
    }

    /** Patch rows a prompt with {@code images} images puts before its text. */
    public int patchCount(int images) {
        return images * patchesPerImage();
    }
}
