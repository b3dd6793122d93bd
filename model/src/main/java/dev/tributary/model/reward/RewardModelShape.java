package dev.tributary.model.reward;

import dev.tributary.model.Require;

/**
 * The shape of a learned reward model: a token embedding, a 1-d convolution reading each scratchpad column's
 * neighbourhood, an LSTM over the whole sequence, and a dense layer ending in P(correct).
 *
 * @param vocabSize     the tokenizer's vocabulary
 * @param contextLength tokens of prompt + response the model reads (longer responses are cut at the end)
 * @param embedding     width of the token embedding
 * @param hidden        width of the convolution, the LSTM and the dense layer
 * @param kernel        tokens the convolution sees at once
 */
public record RewardModelShape(int vocabSize, int contextLength, int embedding, int hidden, int kernel) {
    public RewardModelShape {
        Require.positive(vocabSize, "reward model vocabulary size");
        Require.positive(contextLength, "reward model context length");
        Require.positive(embedding, "reward model embedding width");
        Require.positive(hidden, "reward model hidden width");
        Require.positive(kernel, "reward model kernel width");
        if (kernel > contextLength) {
            throw new IllegalArgumentException("reward model kernel width " + kernel + " must be at most its context "
                    + "length " + contextLength);
        }
    }

    /** As the header of a saved model writes it. */
    String describe() {
        return "vocab " + vocabSize + ", context " + contextLength + ", embedding " + embedding + ", hidden " + hidden
                + ", kernel " + kernel;
    }
}
