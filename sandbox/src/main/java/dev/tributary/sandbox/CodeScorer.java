package dev.tributary.sandbox;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scores a model completion on a problem: extracts the program and judges it on the problem's cases.
 * The reward role wraps this as the {@code code} reward function.
 */
public final class CodeScorer {

    /** How judge results become a score in [0, 1]. */
    public enum Mode {
        /** fraction of cases passed */
        PASS_FRACTION,
        /** 1 when every case passes, else 0; judging stops at the first failure */
        ALL_PASS
    }

    /** A score with what it came from; {@code report} is null when no program was found. */
    public record Score(double value, Optional<Program> program, Judge.Report report, String reason) {

        public Score {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException("score " + value + " must be in [0, 1]");
            }
        }
    }

    private static final Pattern FENCE = Pattern.compile("```[ \\t]*([A-Za-z0-9+#]*)[^\\n]*\\n(.*?)```", Pattern.DOTALL);

    private final Judge judge;
    private final Mode mode;
    private final Limits limits;
    private final Language defaultLanguage;

    public CodeScorer(Sandbox sandbox, Mode mode, Limits limits, Language defaultLanguage) {
        this.judge = new Judge(sandbox);
        this.mode = mode;
        this.limits = limits;
        this.defaultLanguage = defaultLanguage;
    }

    public CodeScorer(Sandbox sandbox, Mode mode) {
        this(sandbox, mode, Limits.defaults(), Language.PYTHON3);
    }

    public Score score(String completion, Problem problem) {
        Optional<Program> program = extract(completion, defaultLanguage);
        if (program.isEmpty()) {
            return new Score(0, program, null, "no program in the completion");
        }
        Judge.Report report = judge.judge(program.get(), problem.cases(), problem.comparison(), limits,
                /* stopAtFirstFailure= */ mode == Mode.ALL_PASS);
        double value = mode == Mode.ALL_PASS ? (report.allPassed() ? 1 : 0) : report.passFraction();
        return new Score(value, program, report, report.passed() + "/" + report.total() + " cases passed");
    }

    /**
     * The last fenced block tagged with a known language (or untagged) in the completion; without
     * fences, the whole completion in the default language.
     */
    public static Optional<Program> extract(String completion, Language defaultLanguage) {
        Matcher m = FENCE.matcher(completion);
        Program last = null;
        boolean sawFence = false;
        while (m.find()) {
            sawFence = true;
            String tag = m.group(1);
            Language lang;
            try {
                lang = tag.isEmpty() ? defaultLanguage : Language.fromId(tag);
            } catch (IllegalArgumentException e) {
                continue; // a block in another language (a shell transcript, say) is not the answer
            }
            if (!m.group(2).isBlank()) {
                last = new Program(lang, m.group(2));
            }
        }
        if (last != null || sawFence) {
            return Optional.ofNullable(last);
        }
        return completion.isBlank() ? Optional.empty() : Optional.of(new Program(defaultLanguage, completion));
    }
}
