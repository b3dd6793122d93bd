package dev.tributary.model.engine;

import dev.tributary.model.policy.PolicyConfig;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which arithmetic an {@link InferenceEngine} runs on. Both compute the policy's function and are held to the same
 * tests (teacher-forced log-probs within 1e-4, resume-from-prefix equality).
 */
public enum EngineBackend {
    /** {@link #JAVA} for a FLOAT model on ND4J's CPU backend, {@link #ND4J} otherwise (a GPU, or DOUBLE checks). */
    AUTO,
    /**
     * Plain Java loops over a float copy of the weights, taken at the start of every generate call: only busy slots
     * and each slot's own positions are computed, and no step allocates. On a CPU the small model is bound by the
     * fixed cost of each ND4J op, which this avoids.
     */
    JAVA,
    /** ND4J ops over the policy's own arrays (every slot every step); the backend for the CUDA profile. */
    ND4J;

    /** Parses a setting value ({@code auto}, {@code java}, {@code nd4j}), naming the valid ones when it is not one. */
    public static EngineBackend fromName(String name) {
        for (EngineBackend b : values()) {
            if (b.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return b;
            }
        }
        throw new IllegalArgumentException("engine backend '" + name + "' is not one of "
                + Arrays.stream(values()).map(b -> b.name().toLowerCase(Locale.ROOT)).toList());
    }

    /** The concrete backend this choice means for a model of {@code config} on the current ND4J backend. */
    public EngineBackend resolve(PolicyConfig config) {
        if (this != AUTO) {
            return this;
        }
        boolean cpu = Nd4j.getBackend().getClass().getSimpleName().startsWith("CpuBackend");
        return cpu && config.dataType() == DataType.FLOAT ? JAVA : ND4J;
    }
}
