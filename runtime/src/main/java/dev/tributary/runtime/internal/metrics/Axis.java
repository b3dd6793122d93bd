package dev.tributary.runtime.internal.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A linear axis over [lo, hi] widened to round tick values (1, 2 or 5 times a power of ten). */
record Axis(double lo, double hi, double step) {
    static Axis of(double min, double max, int maxTicks) {
        if (!(max > min)) {
            // A flat series still needs a non-empty range to map onto pixels.
            double pad = min != 0 ? Math.abs(min) * 0.1 : 0.5;
            min -= pad;
            max += pad;
        }
        double raw = (max - min) / Math.max(1, maxTicks - 1);
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = magnitude * (raw <= magnitude ? 1 : raw <= 2 * magnitude ? 2 : raw <= 5 * magnitude ? 5 : 10);
        return new Axis(Math.floor(min / step) * step, Math.ceil(max / step) * step, step);
    }

    List<Double> ticks() {
        List<Double> out = new ArrayList<>();
        for (long i = 0; lo + i * step <= hi + step * 1e-9; i++) {
            out.add(lo + i * step);
        }
        return out;
    }

    double toPixel(double v, double pixelAtLo, double pixelAtHi) {
        return pixelAtLo + (v - lo) / (hi - lo) * (pixelAtHi - pixelAtLo);
    }

    String label(double v) {
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(v) < step * 1e-9 ? 0.0 : v);
    }
}
