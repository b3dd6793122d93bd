package dev.tributary.runtime.settings;

import dev.tributary.model.policy.PolicyConfig;
import org.nd4j.linalg.api.buffer.DataType;

/** {@code tributary.model}: the policy's shape (declared in the model module's reference.conf). */
public record ModelSettings(int contextLength, int dModel, int heads, int layers, int ffHidden, long seed) {
    public ModelSettings {
        Check.positive("tributary.model.context-length", contextLength);
        Check.positive("tributary.model.d-model", dModel);
        Check.positive("tributary.model.heads", heads);
        if (dModel % heads != 0) {
            throw new SettingsException("tributary.model.heads", heads, "a divisor of tributary.model.d-model ("
                    + dModel + ")");
        }
        Check.positive("tributary.model.layers", layers);
        Check.positive("tributary.model.ff-hidden", ffHidden);
    }

    /** The policy configuration for a tokenizer of {@code vocabSize} tokens. */
    public PolicyConfig policy(int vocabSize) {
        return new PolicyConfig(vocabSize, contextLength, dModel, heads, layers, ffHidden, seed, DataType.FLOAT);
    }

    static ModelSettings read(ConfigReader r) {
        return new ModelSettings(r.getInt("tributary.model.context-length"), r.getInt("tributary.model.d-model"),
                r.getInt("tributary.model.heads"), r.getInt("tributary.model.layers"),
                r.getInt("tributary.model.ff-hidden"), r.getLong("tributary.model.seed"));
    }
}
