package dev.tributary.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A small image carried by a prompt: {@code height × width × channels} float values in [0, 1], stored row-major with
 * the channels of a pixel together ({@code pixels[(row · width + col) · channels + channel]}). Immutable: the array
 * is copied in and never handed out, so the k samples of a prompt can share one instance.
 */
public record Image(int height, int width, int channels, float[] pixels) {
    /** Largest side accepted, in pixels. */
    public static final int MAX_SIDE = 1024;
    /** Most channels accepted (grey, grey + alpha, RGB, RGBA). */
    public static final int MAX_CHANNELS = 4;

    public Image {
        if (height < 1 || height > MAX_SIDE) {
            throw new IllegalArgumentException("image height " + height + " must be in [1, " + MAX_SIDE + "]");
        }
        if (width < 1 || width > MAX_SIDE) {
            throw new IllegalArgumentException("image width " + width + " must be in [1, " + MAX_SIDE + "]");
        }
        if (channels < 1 || channels > MAX_CHANNELS) {
            throw new IllegalArgumentException("image channels " + channels + " must be in [1, " + MAX_CHANNELS + "]");
        }
        Objects.requireNonNull(pixels, "image pixels");
        long expected = (long) height * width * channels;
        if (pixels.length != expected) {
            throw new IllegalArgumentException("image of " + height + "×" + width + "×" + channels + " has "
                    + pixels.length + " values; expected " + expected);
        }
        for (int i = 0; i < pixels.length; i++) {
            float v = pixels[i];
            if (!(v >= 0f && v <= 1f)) {
                int pixel = i / channels;
                throw new IllegalArgumentException("image pixel value " + v + " at row " + pixel / width + ", column "
                        + pixel % width + ", channel " + i % channels + ": expected a finite value in [0, 1]");
            }
        }
        pixels = pixels.clone();
    }

    /** A blank (all 0) image. */
    public static Image blank(int height, int width, int channels) {
        return new Image(height, width, channels, new float[height * width * channels]);
    }

    @Override
    public float[] pixels() {
        return pixels.clone();
    }

    /** The value at (row, col, channel), without copying the pixels. */
    public float at(int row, int col, int channel) {
        return pixels[(row * width + col) * channels + channel];
    }

    /** Copies {@code n} values starting at flat index {@code from} into {@code dst[at..]}, without a full copy. */
    public void copy(int from, float[] dst, int at, int n) {
        System.arraycopy(pixels, from, dst, at, n);
    }

    /** Values held. */
    public int size() {
        return pixels.length;
    }

    /** Bytes of the pixel values (4 per value), what memory accounting and size limits count. */
    public long bytes() {
        return (long) pixels.length * Float.BYTES;
    }

    /** "16×16×1", for messages. */
    public String shape() {
        return height + "×" + width + "×" + channels;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Image i && height == i.height && width == i.width && channels == i.channels
                && Arrays.equals(pixels, i.pixels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(height, width, channels, Arrays.hashCode(pixels));
    }

    @Override
    public String toString() {
        return "Image[" + shape() + "]";
    }
}
