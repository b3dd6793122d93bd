package dev.tributary.model.task;

import dev.tributary.model.Prompt;
import dev.tributary.model.token.Tokenizer;
import java.util.random.RandomGenerator;

/**
 * Multi-digit addition and subtraction (non-negative results); difficulty = number of digits of the operands.
 * The worked solution is a column-by-column scratchpad from the least significant digit, each column written as
 * {@code a+b+carry=CD,} (C the carry out, D the digit; for subtraction C is the borrow), then the separator and
 * the answer: {@code <bos>47+38=} → {@code 7+8+0=15,4+3+1=08,<sep>85<eos>}.
 *
 * <p>Two more scratchpads serve long2short (Kimi k1.5 §2.4): {@link Scratchpad#LONG} may write a column verbosely,
 * {@code a+b+carry=CD;DcC,} (the digit and the carry named again), and may check the answer with the inverse
 * operation before the separator ({@code *85-38=47}), each by a fair coin the policy cannot predict; {@link Scratchpad#SHORT} writes only each column's carry and digit
 * ({@code 15,08,}). The answer after the separator, and so the verifier, is the same in every format.
 *
 * <p>A fixed tenth of all operand pairs (by a hash) is held out for evaluation and never sampled for training.
 */
public final class ArithmeticTask implements Task {
    public static final String NAME = "arithmetic";
    private static final int HELD_OUT_BUCKETS = 10;
    private final Tokenizer tokenizer;
    private final int maxDigits;
    private final boolean subtraction;
    private final Scratchpad scratchpad;

    /** How worked solutions reason before the answer. */
    public enum Scratchpad {
        /** {@code 7+8+0=15,4+3+1=08,}: each column's operands, carry in, carry out and digit. */
        STANDARD,
        /** Columns verbosely ({@code 7+8+0=15;5c1,}) and a check with the inverse operation, each by a coin. */
        LONG,
        /** Only each column's carry out and digit ({@code 15,08,}). */
        SHORT;

        /** The scratchpad named {@code name} ({@code standard}, {@code long}, {@code short}). */
        public static Scratchpad of(String name) {
            for (Scratchpad s : values()) {
                if (s.name().toLowerCase(java.util.Locale.ROOT).equals(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("tributary.task.arithmetic.scratchpad = \"" + name
                    + "\": expected one of long, short, standard");
        }
    }

    public ArithmeticTask(Tokenizer tokenizer, int maxDigits, boolean subtraction) {
        this(tokenizer, maxDigits, subtraction, Scratchpad.STANDARD);
    }

    public ArithmeticTask(Tokenizer tokenizer, int maxDigits, boolean subtraction, Scratchpad scratchpad) {
        if (maxDigits < 1 || maxDigits > 9) {
            throw new IllegalArgumentException("arithmetic max digits " + maxDigits + " must be in [1, 9]");
        }
        this.tokenizer = tokenizer;
        this.maxDigits = maxDigits;
        this.subtraction = subtraction;
        this.scratchpad = java.util.Objects.requireNonNull(scratchpad, "scratchpad");
        // Fails early with a clear message if the alphabet lacks a symbol.
        tokenizer.encode(scratchpad == Scratchpad.LONG ? "0123456789+-=,;c*" : "0123456789+-=,");
    }

    public static ArithmeticTask standard() {
        return new ArithmeticTask(Tokenizer.standard(), 4, true);
    }

    @Override
    public String name() {
        return NAME;
    }

    public Scratchpad scratchpad() {
        return scratchpad;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int minDifficulty() {
        return 1;
    }

    @Override
    public int maxDifficulty() {
        return maxDigits;
    }

    @Override
    public Prompt sample(int digits, Split split, RandomGenerator rng) {
        checkDifficulty(digits);
        long lo = digits == 1 ? 0 : pow10(digits - 1);
        long hi = pow10(digits);
        for (int attempt = 0; attempt < 10_000; attempt++) {
            long a = rng.nextLong(lo, hi);
            long b = rng.nextLong(lo, hi);
            char op = subtraction && rng.nextBoolean() ? '-' : '+';
            if (op == '-' && a < b) {
                long t = a;
                a = b;
                b = t;
            }
            if (heldOut(a, b, op) == (split == Split.HELD_OUT)) {
                return prompt(a, b, op, digits);
            }
        }
        throw new IllegalStateException("could not draw a " + split + " prompt of " + digits + " digits");
    }

    /** The prompt for {@code a op b}; {@code op} is '+' or '-' (then a >= b). */
    public Prompt prompt(long a, long b, char op, int digits) {
        if (op != '+' && op != '-') {
            throw new IllegalArgumentException("operator '" + op + "' must be '+' or '-'");
        }
        if (a < 0 || b < 0 || (op == '-' && a < b)) {
            throw new IllegalArgumentException("operands " + a + op + b + " must be >= 0 with a non-negative result");
        }
        String text = a + String.valueOf(op) + b + "=";
        long answer = op == '+' ? a + b : a - b;
        return new Prompt(NAME + ":" + text, tokenizer.encode("<bos>" + text), NAME, digits, Long.toString(answer));
    }

    /**
     * Whether the long scratchpad spells out column {@code column} (or, for -1, adds the check) for this problem: a
     * fair coin by a hash the policy cannot compute, so a long policy learns to sample lengths over a range, as
     * long-reasoning models do, and long2short has shorter correct answers to find.
     */
    private static boolean coin(String problem, int column) {
        long z = problem.hashCode() * 0x9E3779B97F4A7C15L + column * 0xC2B2AE3D27D4EB4FL;
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
        return ((z ^ (z >>> 29)) & 1) == 0;
    }

    static boolean heldOut(long a, long b, char op) {
        long z = a * 0x9E3779B97F4A7C15L + b * 0xC2B2AE3D27D4EB4FL + op;
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
        return Math.floorMod(z ^ (z >>> 29), HELD_OUT_BUCKETS) == 0;
    }

    @Override
    public int[] workedSolution(Prompt prompt) {
        return tokenizer.encode(solutionText(prompt));
    }

    /** The scratchpad, separator, answer and EOS as text. */
    public String solutionText(Prompt prompt) {
        String text = tokenizer.decode(prompt.tokens(), 1, prompt.length() - 1);
        char op = text.indexOf('+') >= 0 ? '+' : '-';
        String[] parts = text.split(op == '+' ? "\\+" : "-");
        String a = parts[0];
        String b = parts[1];
        int width = Math.max(a.length(), b.length());
        a = "0".repeat(width - a.length()) + a;
        b = "0".repeat(width - b.length()) + b;
        StringBuilder sb = new StringBuilder();
        int carry = 0;
        for (int i = width - 1; i >= 0; i--) {
            int x = a.charAt(i) - '0';
            int y = b.charAt(i) - '0';
            int v = op == '+' ? x + y + carry : x - y - carry;
            int next = op == '+' ? v / 10 : (v < 0 ? 1 : 0);
            int digit = Math.floorMod(v, 10);
            switch (scratchpad) {
                case STANDARD -> sb.append(x).append(op).append(y).append(op).append(carry).append('=').append(next)
                        .append(digit).append(',');
                case LONG -> {
                    sb.append(x).append(op).append(y).append(op).append(carry).append('=').append(next).append(digit);
                    if (coin(text, i)) {
                        sb.append(';').append(digit).append('c').append(next);
                    }
                    sb.append(',');
                }
                case SHORT -> sb.append(next).append(digit).append(',');
            }
            carry = next;
        }
        if (scratchpad == Scratchpad.LONG && coin(text, -1)) {
            // The check: the inverse operation takes the answer back to the first operand.
            char inverse = op == '+' ? '-' : '+';
            sb.append('*').append(prompt.groundTruth()).append(inverse).append(parts[1]).append('=').append(parts[0]);
        }
        return sb + "<sep>" + prompt.groundTruth() + "<eos>";
    }

    /** 1 when the text between the separator and EOS equals the answer; a response without EOS scores 0. */
    @Override
    public double reward(Prompt prompt, int[] response) {
        return Task.answerReward(tokenizer, response, prompt.groundTruth());
    }

    private static long pow10(int n) {
        long p = 1;
        for (int i = 0; i < n; i++) {
            p *= 10;
        }
        return p;
    }
}
