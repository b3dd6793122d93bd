package dev.tributary.actors.reward;

import dev.tributary.model.Prompt;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.sandbox.CodeScorer;
import dev.tributary.sandbox.ProblemSet;

/**
 * The {@code code} reward (Kimi k1.5 §2.6.4): the response is decoded to text up to EOS, its program extracted
 * and judged in the sandbox against the problem's test cases; the reward is the pass fraction or all-or-nothing,
 * as the scorer is configured. A prompt's ground truth is the id of its problem.
 */
public final class CodeReward implements RewardFunction {
    private final CodeScorer scorer;
    private final ProblemSet problems;
    private final Tokenizer tokenizer;

    public CodeReward(CodeScorer scorer, ProblemSet problems, Tokenizer tokenizer) {
        this.scorer = scorer;
        this.problems = problems;
        this.tokenizer = tokenizer;
    }

    @Override
    public String name() {
        return "code";
    }

    @Override
    public double score(Prompt prompt, int[] response) {
        int end = 0;
        while (end < response.length && response[end] != Tokenizer.EOS) {
            end++;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < end; i++) {
            // Special tokens inside a completion carry no program text.
            if (response[i] > Tokenizer.SEP) {
                text.append(tokenizer.symbol(response[i]));
            }
        }
        return scorer.score(text.toString(), problems.get(prompt.groundTruth())).value();
    }
}
