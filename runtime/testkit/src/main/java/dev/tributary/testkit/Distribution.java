package dev.tributary.testkit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A distribution of non-negative values a synthetic role draws from: response lengths in tokens, latencies in
 * milliseconds. Written as text in a load profile, e.g. {@code "lognormal(median=200, sigma=1.0)"}, and parsed by
 * {@link #parse}; {@link #toString()} gives that text back.
 *
 * <ul>
 *   <li>{@code constant(value=v)} — always v;</li>
 *   <li>{@code uniform(min=a, max=b)} — uniform in [a, b];</li>
 *   <li>{@code exponential(mean=m)} — memoryless, mean m;</li>
 *   <li>{@code lognormal(median=m, sigma=s)} — long-tailed: exp(ln m + s·N(0,1)); s = 1 puts p99 at about 10 × m;</li>
 *   <li>{@code pareto(scale=x, shape=a)} — heavy-tailed, at least x; the mean is infinite for a ≤ 1.</li>
 * </ul>
 */
public sealed interface Distribution permits Distribution.Constant, Distribution.Uniform, Distribution.Exponential,
        Distribution.LogNormal, Distribution.Pareto {
    /** The distribution names {@link #parse} knows. */
    List<String> NAMES = List.of("constant", "exponential", "lognormal", "pareto", "uniform");
    /** Each name's parameters, in the order of its record's components. */
    Map<String, List<String>> PARAMETERS = Map.of("constant", List.of("value"), "uniform", List.of("min", "max"),
            "exponential", List.of("mean"), "lognormal", List.of("median", "sigma"),
            "pareto", List.of("scale", "shape"));
    /** A well-formed example of each name. */
    Map<String, String> EXAMPLES = Map.of("constant", "constant(value=1)", "uniform", "uniform(min=1, max=10)",
            "exponential", "exponential(mean=5)", "lognormal", "lognormal(median=200, sigma=1.0)",
            "pareto", "pareto(scale=50, shape=1.5)");

    /** One draw (finite, {@code >= 0}). */
    double sample(SplittableRandom random);

    /** Always {@code value}. */
    record Constant(double value) implements Distribution {
        public Constant {
            nonNegative("constant value", value);
        }

        @Override
        public double sample(SplittableRandom random) {
            return value;
        }

        @Override
        public String toString() {
            return "constant(value=" + fmt(value) + ")";
        }
    }

    /** Uniform in {@code [min, max]}. */
    record Uniform(double min, double max) implements Distribution {
        public Uniform {
            nonNegative("uniform min", min);
            nonNegative("uniform max", max);
            if (max < min) {
                throw new IllegalArgumentException("uniform max " + fmt(max) + ": expected >= min " + fmt(min));
            }
        }

        @Override
        public double sample(SplittableRandom random) {
            return min + (max - min) * random.nextDouble();
        }

        @Override
        public String toString() {
            return "uniform(min=" + fmt(min) + ", max=" + fmt(max) + ")";
        }
    }

    /** Exponential with {@code mean}. */
    record Exponential(double mean) implements Distribution {
        public Exponential {
            nonNegative("exponential mean", mean);
        }

        @Override
        public double sample(SplittableRandom random) {
            return mean * random.nextExponential();
        }

        @Override
        public String toString() {
            return "exponential(mean=" + fmt(mean) + ")";
        }
    }

    /** Log-normal with {@code median} e^μ and log-space deviation {@code sigma}. */
    record LogNormal(double median, double sigma) implements Distribution {
        public LogNormal {
            positive("lognormal median", median);
            nonNegative("lognormal sigma", sigma);
        }

        @Override
        public double sample(SplittableRandom random) {
            return median * Math.exp(sigma * random.nextGaussian());
        }

        @Override
        public String toString() {
            return "lognormal(median=" + fmt(median) + ", sigma=" + fmt(sigma) + ")";
        }
    }

    /** Pareto (type I) with minimum {@code scale} and tail index {@code shape}. */
    record Pareto(double scale, double shape) implements Distribution {
        public Pareto {
            positive("pareto scale", scale);
            positive("pareto shape", shape);
        }

        @Override
        public double sample(SplittableRandom random) {
            return scale / Math.pow(1 - random.nextDouble(), 1 / shape);
        }

        @Override
        public String toString() {
            return "pareto(scale=" + fmt(scale) + ", shape=" + fmt(shape) + ")";
        }
    }

    /**
     * Parses {@code text} (the forms above; every parameter by name, in any order). {@code key} names the setting in
     * the one-line message of the {@link IllegalArgumentException} for anything else, e.g.
     * {@code rollout.response-tokens = "gauss(mean=3)": expected one of constant, exponential, lognormal, pareto,
     * uniform, as in lognormal(median=200, sigma=1.0)}.
     */
    static Distribution parse(String key, String text) {
        String t = text == null ? "" : text.trim();
        int open = t.indexOf('(');
        if (open <= 0 || !t.endsWith(")")) {
            throw bad(key, text, "name(parameter=value, ...) with a name among " + String.join(", ", NAMES)
                    + ", as in " + EXAMPLES.get("lognormal"));
        }
        String name = t.substring(0, open).trim().toLowerCase(Locale.ROOT);
        List<String> expected = PARAMETERS.get(name);
        if (expected == null) {
            throw bad(key, text, "one of " + String.join(", ", NAMES) + ", as in " + EXAMPLES.get("lognormal"));
        }
        Map<String, Double> given = new LinkedHashMap<>();
        String body = t.substring(open + 1, t.length() - 1).trim();
        for (String part : body.isEmpty() ? new String[0] : body.split(",")) {
            int eq = part.indexOf('=');
            try {
                given.put(part.substring(0, Math.max(eq, 0)).trim(), Double.parseDouble(part.substring(eq + 1).trim()));
            } catch (NumberFormatException e) {
                throw bad(key, text, "parameters written name=number, as in " + EXAMPLES.get(name));
            }
        }
        if (!given.keySet().equals(Set.copyOf(expected))) {
            throw bad(key, text, "the parameters " + String.join(", ", expected) + " of " + name + ", as in "
                    + EXAMPLES.get(name));
        }
        double[] v = expected.stream().mapToDouble(given::get).toArray();
        try {
            return switch (name) {
                case "constant" -> new Constant(v[0]);
                case "uniform" -> new Uniform(v[0], v[1]);
                case "exponential" -> new Exponential(v[0]);
                case "lognormal" -> new LogNormal(v[0], v[1]);
                default -> new Pareto(v[0], v[1]);
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " = \"" + text + "\": " + e.getMessage(), e);
        }
    }

    private static IllegalArgumentException bad(String key, String text, String expected) {
        return new IllegalArgumentException(key + " = \"" + text + "\": expected " + expected);
    }

    private static void nonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " " + fmt(v) + ": expected a finite number >= 0");
        }
    }

    private static void positive(String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " " + fmt(v) + ": expected a finite number > 0");
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
