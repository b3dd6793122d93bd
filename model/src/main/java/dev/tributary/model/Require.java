package dev.tributary.model;

/** Argument checks whose messages name the value and what was expected. */
public final class Require {
    private Require() {
    }

    public static String nonBlank(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must be a non-blank string, got " + (value == null ? "null" : "'" + value + "'"));
        }
        return value;
    }

    public static int positive(int value, String what) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " " + value + " must be > 0");
        }
        return value;
    }

    public static int nonNegative(int value, String what) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " " + value + " must be >= 0");
        }
        return value;
    }

    public static double inRange(double value, double lo, double hi, String what) {
        if (!(value >= lo && value <= hi)) {
            throw new IllegalArgumentException(what + " " + value + " must be in [" + lo + ", " + hi + "]");
        }
        return value;
    }

    public static double positive(double value, String what) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " " + value + " must be a finite number > 0");
        }
        return value;
    }
}
