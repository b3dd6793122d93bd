package dev.tributary.runtime.internal.checkpoint;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ImmutableCollectionsSerializers;
import com.esotericsoftware.kryo.serializers.OptionalSerializers;
import com.esotericsoftware.kryo.serializers.RecordSerializer;
import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.util.Optional;

/**
 * Kryo encoding of a {@link Checkpoint}: every class registered explicitly, records through Kryo's
 * {@link RecordSerializer} (so their validating constructors, FlatWeights' checksum check included, run on read).
 * Registration order is the format: append new classes at the end and bump {@link CheckpointFile#FORMAT}.
 */
final class CheckpointCodec {
    private CheckpointCodec() {
    }

    static Kryo kryo() {
        Kryo kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        // Checkpoints are trees: no shared references to track.
        kryo.setReferences(false);
        kryo.register(int[].class);
        kryo.register(long[].class);
        kryo.register(float[].class);
        kryo.register(double[].class);
        ImmutableCollectionsSerializers.registerSerializers(kryo);
        kryo.register(Optional.class, new OptionalSerializers.OptionalSerializer());
        kryo.register(FinishReason.class);
        record(kryo, PolicyVersion.class);
        record(kryo, WeightLayout.Entry.class);
        record(kryo, WeightLayout.class);
        record(kryo, FlatWeights.class);
        record(kryo, Prompt.class);
        record(kryo, Segment.class);
        record(kryo, Trajectory.class);
        record(kryo, OptimizerState.class);
        record(kryo, Checkpoint.class);
        return kryo;
    }

    private static <T extends Record> void record(Kryo kryo, Class<T> type) {
        kryo.register(type, new RecordSerializer<>(type));
    }

    static byte[] encode(Checkpoint checkpoint) {
        // Grows as needed; weights, their reference and Adam's two moments dominate the size.
        try (Output out = new Output(1 << 20, -1)) {
            kryo().writeObject(out, checkpoint);
            return out.toBytes();
        }
    }

    static Checkpoint decode(byte[] payload) {
        try (Input in = new Input(payload)) {
            Checkpoint c = kryo().readObject(in, Checkpoint.class);
            if (in.position() != payload.length) {
                throw new IllegalStateException((payload.length - in.position()) + " bytes left after the checkpoint");
            }
            return c;
        }
    }
}
