package dev.tributary.runtime.settings;

import dev.tributary.model.engine.EngineBackend;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.policy.TrainerBackend;
import dev.tributary.model.policy.VisionConfig;
import dev.tributary.model.task.Task;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code tributary.model}: the policy's shape (a preset, each shape key above 0 overriding it) and the backends of
 * the inference engine and of the trainer (declared in the model module's reference.conf).
 */
public record ModelSettings(int contextLength, int dModel, int heads, int layers, int ffHidden, long seed,
                            EngineBackend engine, TrainerBackend trainer, boolean visionFrontEnd, int visionPatch) {
    /** Settings with the vision front end the task asks for, at its patch size. */
    public ModelSettings(int contextLength, int dModel, int heads, int layers, int ffHidden, long seed,
                         EngineBackend engine, TrainerBackend trainer) {
        this(contextLength, dModel, heads, layers, ffHidden, seed, engine, trainer, true, 0);
    }

    public ModelSettings {
        Check.nonNegative("tributary.model.vision.patch-size", visionPatch);
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

    /**
     * The policy configuration for {@code task}'s tokenizer, with the vision front end its images need (refused
     * when the front end is off or the patch size does not fit them).
     */
    public PolicyConfig policy(Task task) {
        PolicyConfig text = policy(task.tokenizer().vocabSize());
        VisionConfig v = task.vision();
        if (!v.enabled()) {
            return text;
        }
        if (!visionFrontEnd) {
            throw new SettingsException("tributary.model.vision.front-end", "\"off\"", "auto for task '" + task.name()
                    + "', whose prompts carry images (" + v.imageShape() + "): a text-only model cannot take them");
        }
        int patch = visionPatch == 0 ? v.patch() : visionPatch;
        if (v.height() % patch != 0 || v.width() % patch != 0) {
            throw new SettingsException("tributary.model.vision.patch-size", visionPatch, "0 or a divisor of the "
                    + "height " + v.height() + " and width " + v.width() + " of task '" + task.name() + "'s images");
        }
        return text.withVision(new VisionConfig(v.maxImages(), v.height(), v.width(), v.channels(), patch));
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
                r.getLong("tributary.model.seed"), backend, trainerBackend, frontEnd(r),
                r.getInt("tributary.model.vision.patch-size"));
    }

    private static boolean frontEnd(ConfigReader r) {
        String v = r.getString("tributary.model.vision.front-end");
        return switch (v) {
            case "auto" -> true;
            case "off" -> false;
            default -> throw new SettingsException("tributary.model.vision.front-end", "\"" + v + "\"", "auto or off");
        };
    }

    private static int intOr(ConfigReader r, String key, int presetValue) {
        String path = "tributary.model." + key;
        int value = r.getInt(path);
        return value == 0 ? presetValue : value;
    }
}
