package dev.tributary.model.task;

import dev.tributary.model.Image;
import dev.tributary.model.Prompt;
import dev.tributary.model.policy.VisionConfig;
import dev.tributary.model.token.Tokenizer;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A vision task rendered procedurally, so no data set is needed: a small grey picture holds digits drawn in a 3×5
 * pixel font, and the text asks {@code sum?} (their sum) or {@code max?} (the largest). The worked solution reads
 * the digits left to right, then gives the answer: {@code <bos>sum?} with a picture of 7 and 5 →
 * {@code 7,5<sep>12<eos>}. The verifier is exact match of the text between the separator and EOS.
 *
 * <p>Difficulty: 1, two digits at fixed places; 2, each digit moved by up to one pixel either way (jitter);
 * 3, jitter and Gaussian pixel noise; 4, three digits with jitter and noise. A fixed tenth of the pictures, by a
 * hash of the digits, the question and where each digit is drawn, is held out for evaluation and never sampled for
 * training, so held-out accuracy measures reading pictures the policy was never trained on (at difficulty 1, where
 * nothing moves, that is a tenth of the (digits, question) combinations).
 */
public final class DigitsTask implements Task {
    public static final String NAME = "digits";
    /** The default tokenizer's alphabet plus the letters of the questions. */
    public static final String ALPHABET = Tokenizer.DEFAULT_ALPHABET + "sumax?";
    public static final int HEIGHT = 8;
    public static final int WIDTH = 16;
    public static final int PATCH = 4;
    private static final int HELD_OUT_BUCKETS = 10;
    private static final String[] FONT = {
        "111101101101111", "010110010010111", "111001111100111", "111001111001111", "101101111001001",
        "111100111001111", "111100111101111", "111001001001001", "111101111101111", "111101111001111"};
    private final Tokenizer tokenizer;
    private final double noise;

    /** @param noise standard deviation of the pixel noise at difficulty 3 and above (values are clipped to [0, 1]) */
    public DigitsTask(Tokenizer tokenizer, double noise) {
        if (!(noise >= 0 && noise <= 1)) {
            throw new IllegalArgumentException("digits noise " + noise + " must be in [0, 1]");
        }
        this.tokenizer = tokenizer;
        this.noise = noise;
        tokenizer.encode("0123456789,sum?max?"); // fails early with a clear message if the alphabet lacks a symbol
    }

    public static DigitsTask standard() {
        return new DigitsTask(new Tokenizer(ALPHABET), 0.2);
    }

    @Override
    public String name() {
        return NAME;
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
        return 4;
    }

    /** One 8×16 grey image per prompt, cut into 4×4 patches. */
    @Override
    public VisionConfig vision() {
        return new VisionConfig(1, HEIGHT, WIDTH, 1, PATCH);
    }

    @Override
    public Prompt sample(int difficulty, Split split, RandomGenerator rng) {
        checkDifficulty(difficulty);
        int count = difficulty >= 4 ? 3 : 2;
        for (int attempt = 0; attempt < 10_000; attempt++) {
            int[] digits = new int[count];
            for (int i = 0; i < count; i++) {
                digits[i] = rng.nextInt(10);
            }
            boolean sum = rng.nextBoolean();
            int[] dy = new int[count];
            int[] dx = new int[count];
            for (int i = 0; difficulty >= 2 && i < count; i++) {
                dy[i] = rng.nextInt(3) - 1;
                dx[i] = rng.nextInt(3) - 1;
            }
            if (heldOut(digits, sum, dy, dx) != (split == Split.HELD_OUT)) {
                continue;
            }
            long noiseSeed = difficulty >= 3 ? rng.nextLong() : 0;
            return prompt(digits, sum, dy, dx, noiseSeed, difficulty);
        }
        throw new IllegalStateException("could not draw a " + split + " prompt of difficulty " + difficulty);
    }

    /**
     * The prompt asking for the sum (or the largest) of {@code digits}, drawn with the given offsets from their
     * places and pixel noise from {@code noiseSeed} (0: none).
     */
    public Prompt prompt(int[] digits, boolean sum, int[] dy, int[] dx, long noiseSeed, int difficulty) {
        StringBuilder read = new StringBuilder();
        StringBuilder placed = new StringBuilder();
        int answer = 0;
        for (int i = 0; i < digits.length; i++) {
            if (digits[i] < 0 || digits[i] > 9) {
                throw new IllegalArgumentException("digit " + digits[i] + " must be in [0, 9]");
            }
            read.append(i == 0 ? "" : ",").append(digits[i]);
            placed.append(dy[i] + 1).append(dx[i] + 1);
            answer = sum ? answer + digits[i] : Math.max(answer, digits[i]);
        }
        String question = sum ? "sum?" : "max?";
        Image image = render(digits, dy, dx, noiseSeed, noise);
        String id = NAME + ":" + question + read + "@" + placed + (noiseSeed == 0 ? "" : "#" + Long.toHexString(noiseSeed));
        return new Prompt(id, tokenizer.encode("<bos>" + question), NAME, difficulty, Integer.toString(answer),
                List.of(image));
    }

    /** Digits in the pixel font, the i-th of n in its column of the picture, moved by (dy, dx); then noise. */
    static Image render(int[] digits, int[] dy, int[] dx, long noiseSeed, double sd) {
        float[] px = new float[HEIGHT * WIDTH];
        int n = digits.length;
        int slot = WIDTH / n;
        for (int i = 0; i < n; i++) {
            int top = 1 + dy[i] + 1;
            int left = i * slot + (slot - 3) / 2 + dx[i];
            String glyph = FONT[digits[i]];
            for (int r = 0; r < 5; r++) {
                for (int c = 0; c < 3; c++) {
                    if (glyph.charAt(r * 3 + c) == '1') {
                        px[(top + r) * WIDTH + left + c] = 1f;
                    }
                }
            }
        }
        if (noiseSeed != 0) {
            java.util.SplittableRandom rng = new java.util.SplittableRandom(noiseSeed);
            for (int i = 0; i < px.length; i++) {
                double g = Math.sqrt(-2 * Math.log(rng.nextDouble(Double.MIN_NORMAL, 1))) * Math.cos(2 * Math.PI
                        * rng.nextDouble());
                px[i] = (float) Math.min(1, Math.max(0, px[i] + sd * g));
            }
        }
        return new Image(HEIGHT, WIDTH, 1, px);
    }

    static boolean heldOut(int[] digits, boolean sum, int[] dy, int[] dx) {
        long z = sum ? 0x5EED : 0x3A7;
        for (int i = 0; i < digits.length; i++) {
            z = z * 0x9E3779B97F4A7C15L + digits[i] + 1;
            z = z * 0x9E3779B97F4A7C15L + (dy[i] + 1) * 3 + dx[i] + 2;
        }
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
        return Math.floorMod(z ^ (z >>> 29), HELD_OUT_BUCKETS) == 0;
    }

    /** The digits as read, the separator, the answer and EOS: {@code 7,5<sep>12<eos>}. */
    @Override
    public int[] workedSolution(Prompt prompt) {
        return tokenizer.encode(solutionText(prompt));
    }

    /** The digits as read come from the prompt's id ({@code digits:sum?7,5@...}), the answer from its ground truth. */
    public String solutionText(Prompt prompt) {
        String id = prompt.id();
        return id.substring(id.indexOf('?') + 1, id.indexOf('@')) + "<sep>" + prompt.groundTruth() + "<eos>";
    }

    /** 1 when the text between the separator and EOS equals the answer; a response without EOS scores 0. */
    @Override
    public double reward(Prompt prompt, int[] response) {
        return Task.answerReward(tokenizer, response, prompt.groundTruth());
    }
}
