package dev.tributary.model.policy;

import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which arithmetic a {@link Policy} scores and differentiates with. Both compute the same function; the SameDiff
 * graph is the reference the Java pass is tested against (log-probs and gradients).
 */
public enum TrainerBackend {
    /** {@link #JAVA} for a FLOAT model on ND4J's CPU backend, {@link #SAMEDIFF} otherwise (a GPU, DOUBLE checks). */
    AUTO,
    /**
     * Hand-written forward and backward passes over a float copy of the weights: no padding (each sequence's own
     * positions), one matmul per projection for the whole batch, the Vector API where the JVM has it. On a CPU the
     * small graph is bound by SameDiff's per-op cost and allocations, which this avoids.
     */
    JAVA,
    /** The SameDiff graph over padded batches; the backend for the CUDA profile. */
    SAMEDIFF;

    /** Parses a setting value ({@code auto}, {@code java}, {@code samediff}), naming the valid ones otherwise. */
    public static TrainerBackend fromName(String name) {
        for (TrainerBackend b : values()) {
            if (b.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return b;
            }
        }
        throw new IllegalArgumentException("trainer backend '" + name + "' is not one of "
                + Arrays.stream(values()).map(b -> b.name().toLowerCase(Locale.ROOT)).toList());
    }

    /** The concrete backend this choice means for a model of {@code config} on the current ND4J backend. */
    public TrainerBackend resolve(PolicyConfig config) {
        if (this != AUTO) {
            return this;
        }
        boolean cpu = Nd4j.getBackend().getClass().getSimpleName().startsWith("CpuBackend");
        return cpu && config.dataType() == DataType.FLOAT ? JAVA : SAMEDIFF;
    }
}
