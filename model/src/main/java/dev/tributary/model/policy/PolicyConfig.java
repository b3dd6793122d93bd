package dev.tributary.model.policy;

import com.typesafe.config.Config;
import dev.tributary.model.Require;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Sizes of the decoder-only transformer.
 *
 * @param vocabSize     number of token ids
 * @param contextLength maximum sequence length (prompt + response)
 * @param dModel        width of the residual stream
 * @param heads         attention heads; must divide dModel
 * @param layers        transformer blocks
 * @param ffHidden      width of the MLP hidden layer
 * @param seed          seed of the parameter initialisation
 * @param dataType      FLOAT for training and inference; DOUBLE for gradient checks
 */
public record PolicyConfig(int vocabSize, int contextLength, int dModel, int heads, int layers, int ffHidden,
                           long seed, DataType dataType) {
    public PolicyConfig {
        Require.positive(vocabSize, "vocab size");
        Require.positive(contextLength, "context length");
        Require.positive(dModel, "d_model");
        Require.positive(heads, "attention heads");
        Require.positive(layers, "layers");
        Require.positive(ffHidden, "MLP hidden width");
        if (dModel % heads != 0) {
            throw new IllegalArgumentException("d_model " + dModel + " must be divisible by the number of heads " + heads);
        }
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("policy data type " + dataType + " must be FLOAT or DOUBLE");
        }
    }

    /** The default model: small enough to train on two CPU cores in minutes. */
    public static PolicyConfig defaults(int vocabSize) {
        return new PolicyConfig(vocabSize, 64, 64, 4, 2, 256, 1L, DataType.FLOAT);
    }

    /** Reads {@code tributary.model}-style keys: context-length, d-model, heads, layers, ff-hidden, seed. */
    public static PolicyConfig fromConfig(Config c, int vocabSize) {
        return new PolicyConfig(vocabSize, c.getInt("context-length"), c.getInt("d-model"), c.getInt("heads"),
                c.getInt("layers"), c.getInt("ff-hidden"), c.getLong("seed"), DataType.FLOAT);
    }

    public int headDim() {
        return dModel / heads;
    }

    public PolicyConfig withDataType(DataType dt) {
        return new PolicyConfig(vocabSize, contextLength, dModel, heads, layers, ffHidden, seed, dt);
    }

    public PolicyConfig withSeed(long s) {
        return new PolicyConfig(vocabSize, contextLength, dModel, heads, layers, ffHidden, s, dataType);
    }

    /** Multiply-adds per token of one forward pass at a context of {@code t} tokens (for GFLOP/s figures). */
    public long forwardMacsPerToken(int t) {
        long perLayer = 4L * dModel * dModel + 2L * dModel * ffHidden + 2L * (long) t * dModel;
        return layers * perLayer + (long) dModel * vocabSize + (long) (vocabSize + contextLength) * dModel;
    }
}
