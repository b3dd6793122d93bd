package dev.tributary.sandbox;

import java.util.Locale;

/**
 * How a program's output is compared with the expected output.
 *
 * @param tolerance absolute-or-relative tolerance for {@link Mode#FLOAT}; 0 for the other modes
 */
public record Comparison(Mode mode, double tolerance) {

    public enum Mode {
        /** byte-for-byte equal */
        EXACT,
        /** equal after splitting on any whitespace */
        WHITESPACE,
        /** tokens equal, or both numbers within the tolerance */
        FLOAT
    }

    public Comparison {
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        if (!(tolerance >= 0) || (mode == Mode.FLOAT && tolerance == 0)) {
            throw new IllegalArgumentException("tolerance " + tolerance + " must be >= 0, and > 0 for FLOAT");
        }
    }

    public static Comparison exact() {
        return new Comparison(Mode.EXACT, 0);
    }

    public static Comparison whitespace() {
        return new Comparison(Mode.WHITESPACE, 0);
    }

    public static Comparison floats(double tolerance) {
        return new Comparison(Mode.FLOAT, tolerance);
    }

    /** Parses {@code exact}, {@code whitespace} or {@code float 1e-6}. */
    public static Comparison parse(String text) {
        String[] parts = text.trim().toLowerCase(Locale.ROOT).split("\\s+");
        switch (parts[0]) {
            case "exact":
                return exact();
            case "whitespace":
                return whitespace();
            case "float":
                return floats(parts.length > 1 ? Double.parseDouble(parts[1]) : 1e-6);
            default:
                throw new IllegalArgumentException("unknown comparison '" + text + "'; valid: exact, whitespace, float <tol>");
        }
    }

    public boolean matches(String expected, String actual) {
        if (mode == Mode.EXACT) {
            return expected.equals(actual);
        }
        String[] e = tokens(expected);
        String[] a = tokens(actual);
        if (e.length != a.length) {
            return false;
        }
        for (int i = 0; i < e.length; i++) {
            if (!e[i].equals(a[i]) && !(mode == Mode.FLOAT && closeNumbers(e[i], a[i]))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return mode == Mode.FLOAT ? "float " + tolerance : mode.name().toLowerCase(Locale.ROOT);
    }

    private boolean closeNumbers(String e, String a) {
        try {
            double x = Double.parseDouble(e);
            double y = Double.parseDouble(a);
            if (Double.isNaN(x) || Double.isNaN(y)) {
                return false;
            }
            double diff = Math.abs(x - y);
            return diff <= tolerance || diff <= tolerance * Math.max(Math.abs(x), Math.abs(y));
        } catch (NumberFormatException ex) {
            return false;
        }
    }

    private static String[] tokens(String s) {
        String t = s.strip();
        return t.isEmpty() ? new String[0] : t.split("\\s+");
    }
}
