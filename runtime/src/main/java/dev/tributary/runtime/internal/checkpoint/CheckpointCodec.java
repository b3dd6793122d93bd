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
 * Kryo encoding of a checkpoint's {@link Parts}: every class registered explicitly, records through Kryo's
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
        record(kryo, Parts.TrainerPart.class);
        record(kryo, Parts.ReplayPart.class);
        record(kryo, Parts.MasterPart.class);
        record(kryo, Parts.Entry.class);
        record(kryo, Parts.Manifest.class);
        return kryo;
    }

    private static <T extends Record> void record(Kryo kryo, Class<T> type) {
        kryo.register(type, new RecordSerializer<>(type));
    }

    static byte[] encode(Record part) {
        // Grows as needed; weights, their reference and Adam's two moments dominate the size.
        try (Output out = new Output(1 << 20, -1)) {
            kryo().writeObject(out, part);
            return out.toBytes();
        }
    }

    static <T extends Record> T decode(byte[] payload, Class<T> type) {
        try (Input in = new Input(payload)) {
            T part = kryo().readObject(in, type);
            if (in.position() != payload.length) {
                throw new IllegalStateException((payload.length - in.position()) + " bytes left after the "
                        + type.getSimpleName());
            }
            return part;
        }
    }
}
