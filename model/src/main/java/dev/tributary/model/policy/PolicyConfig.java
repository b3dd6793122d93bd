package dev.tributary.model.policy;

import com.typesafe.config.Config;
import dev.tributary.model.Require;
import java.util.List;
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
 * @param vision        the vision front end ({@link VisionConfig#NONE} for a text-only model)
 */
public record PolicyConfig(int vocabSize, int contextLength, int dModel, int heads, int layers, int ffHidden,
                           long seed, DataType dataType, VisionConfig vision) {
    /** A text-only model. */
    public PolicyConfig(int vocabSize, int contextLength, int dModel, int heads, int layers, int ffHidden,
                        long seed, DataType dataType) {
        this(vocabSize, contextLength, dModel, heads, layers, ffHidden, seed, dataType, VisionConfig.NONE);
    }

    public PolicyConfig {
        java.util.Objects.requireNonNull(vision, "vision front end (VisionConfig.NONE for none)");
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

    /** The {@code small} preset (~3 M parameters): wide enough that matmuls, not per-op costs, dominate a step. */
    public static PolicyConfig small(int vocabSize) {
        return new PolicyConfig(vocabSize, 256, 256, 4, 4, 1024, 1L, DataType.FLOAT);
    }

    /** The names {@link #preset} knows, in the order they grow. */
    public static final List<String> PRESETS = List.of("default", "small");

    /** A shape by name ({@code default} or {@code small}); an unknown name is refused listing the known ones. */
    public static PolicyConfig preset(String name, int vocabSize) {
        return switch (name == null ? "" : name) {
            case "default" -> defaults(vocabSize);
            case "small" -> small(vocabSize);
            default -> throw new IllegalArgumentException("model preset '" + name + "' is not one of " + PRESETS);
        };
    }

    /**
     * Reads {@code tributary.model}-style keys: the shape of {@code preset} (default "default"), each of
     * context-length, d-model, heads, layers, ff-hidden and seed overriding it where set (a shape key of 0 means the
     * preset's value).
     */
    public static PolicyConfig fromConfig(Config c, int vocabSize) {
        PolicyConfig p = preset(c.hasPath("preset") ? c.getString("preset") : "default", vocabSize);
        return new PolicyConfig(vocabSize, intOr(c, "context-length", p.contextLength), intOr(c, "d-model", p.dModel),
                intOr(c, "heads", p.heads), intOr(c, "layers", p.layers), intOr(c, "ff-hidden", p.ffHidden),
                c.hasPath("seed") ? c.getLong("seed") : p.seed, DataType.FLOAT);
    }

    private static int intOr(Config c, String key, int fallback) {
        return c.hasPath(key) && c.getInt(key) != 0 ? c.getInt(key) : fallback;
    }

    public int headDim() {
        return dModel / heads;
    }

    public PolicyConfig withDataType(DataType dt) {
        return new PolicyConfig(vocabSize, contextLength, dModel, heads, layers, ffHidden, seed, dt, vision);
    }

    public PolicyConfig withSeed(long s) {
        return new PolicyConfig(vocabSize, contextLength, dModel, heads, layers, ffHidden, s, dataType, vision);
    }

    /** This shape with the vision front end {@code v} (its parameters follow the text model's in the layout). */
    public PolicyConfig withVision(VisionConfig v) {
        return new PolicyConfig(vocabSize, contextLength, dModel, heads, layers, ffHidden, seed, dataType, v);
    }

    /** Multiply-adds of projecting one image's patches into the residual stream (prefill adds the blocks' cost). */
    public long patchProjectionMacs() {
        return (long) vision.patchesPerImage() * vision.patchDim() * dModel;
    }

    /** Multiply-adds per token of one forward pass at a context of {@code t} tokens (for GFLOP/s figures). */
    public long forwardMacsPerToken(int t) {
        long perLayer = 4L * dModel * dModel + 2L * dModel * ffHidden + 2L * (long) t * dModel;
        return layers * perLayer + (long) dModel * vocabSize + (long) (vocabSize + contextLength) * dModel;
    }
}
