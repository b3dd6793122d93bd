package dev.tributary.runtime.settings;

import dev.tributary.model.engine.EngineBackend;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.policy.TrainerBackend;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code tributary.model}: the policy's shape (a preset, each shape key above 0 overriding it) and the backends of
 * the inference engine and of the trainer (declared in the model module's reference.conf).
 */
public record ModelSettings(int contextLength, int dModel, int heads, int layers, int ffHidden, long seed,
                            EngineBackend engine, TrainerBackend trainer) {
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
        String name = r.getString("tributary.model.preset");
        if (!PolicyConfig.PRESETS.contains(name)) {
            throw new SettingsException("tributary.model.preset", "\"" + name + "\"", "one of " + PolicyConfig.PRESETS);
        }
        PolicyConfig p = PolicyConfig.preset(name, 1);
        String engine = r.getString("tributary.model.engine");
        EngineBackend backend;
        try {
            backend = EngineBackend.fromName(engine);
        } catch (IllegalArgumentException e) {
            throw new SettingsException("tributary.model.engine", "\"" + engine + "\"", "one of auto, java, nd4j", e);
        }
        String trainer = r.getString("tributary.model.trainer");
        TrainerBackend trainerBackend;
        try {
            trainerBackend = TrainerBackend.fromName(trainer);
        } catch (IllegalArgumentException e) {
            throw new SettingsException("tributary.model.trainer", "\"" + trainer + "\"", "one of auto, java, samediff", e);
        }
        return new ModelSettings(intOr(r, "context-length", p.contextLength()), intOr(r, "d-model", p.dModel()),
                intOr(r, "heads", p.heads()), intOr(r, "layers", p.layers()), intOr(r, "ff-hidden", p.ffHidden()),
                r.getLong("tributary.model.seed"), backend, trainerBackend);
    }

    private static int intOr(ConfigReader r, String key, int presetValue) {
        String path = "tributary.model." + key;
        int value = r.getInt(path);
        return value == 0 ? presetValue : value;
    }
}
