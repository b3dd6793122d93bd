package dev.tributary.runtime.internal.checkpoint;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ImmutableCollectionsSerializers;
import com.esotericsoftware.kryo.serializers.OptionalSerializers;
import com.esotericsoftware.kryo.serializers.RecordSerializer;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Image;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import dev.tributary.streams.serialization.ImageSerializer;
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
        return kryo(CheckpointFile.FORMAT);
    }

    /** The codec of checkpoint files of {@code format} (2: prompts without images). */
    static Kryo kryo(int format) {
        Kryo kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        // Checkpoints are trees: no shared references to track (ImageSerializer writes an image that the k samples
        // of a prompt share once per part by itself, and reads it back shared).
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
        if (format >= 3) {
            record(kryo, Prompt.class);
        } else {
            kryo.register(Prompt.class, new TextPromptSerializer());
        }
        record(kryo, Segment.class);
        record(kryo, Trajectory.class);
        record(kryo, OptimizerState.class);
        record(kryo, Parts.TrainerPart.class);
        record(kryo, Parts.ReplayPart.class);
        record(kryo, Parts.MasterPart.class);
        record(kryo, Parts.Entry.class);
        record(kryo, Parts.Manifest.class);
        if (format >= 3) {
            kryo.register(Image.class, new ImageSerializer());
        }
        return kryo;
    }

    /** A prompt as format 2 wrote it: the fields of a text prompt (the same names, so the same order). */
    record TextPrompt(String id, int[] tokens, String task, int difficulty, String groundTruth) {
    }

    /** Reads (and writes, for tests) format 2's prompts, which had no images. */
    static final class TextPromptSerializer extends Serializer<Prompt> {
        private final RecordSerializer<TextPrompt> fields = new RecordSerializer<>(TextPrompt.class);

        @Override
        public void write(Kryo kryo, Output output, Prompt p) {
            if (p.hasImages()) {
                throw new IllegalArgumentException("prompt '" + p.id() + "' carries images; format 2 holds text only");
            }
            fields.write(kryo, output, new TextPrompt(p.id(), p.tokens(), p.task(), p.difficulty(), p.groundTruth()));
        }

        @Override
        public Prompt read(Kryo kryo, Input input, Class<? extends Prompt> type) {
            TextPrompt t = fields.read(kryo, input, TextPrompt.class);
            return new Prompt(t.id(), t.tokens(), t.task(), t.difficulty(), t.groundTruth());
        }
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
        return decode(payload, type, CheckpointFile.FORMAT);
    }

    static <T extends Record> T decode(byte[] payload, Class<T> type, int format) {
        try (Input in = new Input(payload)) {
            T part = kryo(format).readObject(in, type);
            if (in.position() != payload.length) {
                throw new IllegalStateException((payload.length - in.position()) + " bytes left after the "
                        + type.getSimpleName());
            }
            return part;
        }
    }
}
