package dev.tributary.streams.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/**
 * Any throwable as class name, message, the top of its stack trace and its causes; read back as a
 * {@link RemoteFailure}. Bounded, so a deep recursion's failure still fits in one remote frame.
 */
final class ThrowableSerializer extends Serializer<Throwable> {
    static final int MAX_FRAMES = 64;
    static final int MAX_CAUSES = 8;

    @Override
    public void write(Kryo kryo, Output output, Throwable t) {
        Throwable current = t;
        for (int depth = 0; current != null; depth++) {
            output.writeString(current instanceof RemoteFailure r ? r.originalClassName() : current.getClass().getName());
            output.writeString(current.getMessage());
            StackTraceElement[] frames = current.getStackTrace();
            int n = Math.min(frames.length, MAX_FRAMES);
            output.writeVarInt(n, true);
            for (int i = 0; i < n; i++) {
                output.writeString(frames[i].getClassName());
                output.writeString(frames[i].getMethodName());
                output.writeString(frames[i].getFileName());
                output.writeVarInt(frames[i].getLineNumber() + 2, true); // -2 means native
            }
            Throwable cause = current.getCause();
            boolean more = cause != null && cause != current && depth + 1 < MAX_CAUSES;
            output.writeBoolean(more);
            current = more ? cause : null;
        }
    }

    @Override
    public Throwable read(Kryo kryo, Input input, Class<? extends Throwable> type) {
        return readOne(input, 0);
    }

    private static RemoteFailure readOne(Input input, int depth) {
        if (depth >= MAX_CAUSES) {
            throw new IllegalArgumentException("a serialized failure nests more than " + MAX_CAUSES + " causes");
        }
        String className = input.readString();
        String message = input.readString();
        int n = input.readVarInt(true);
        if (n > MAX_FRAMES) {
            throw new IllegalArgumentException("a serialized failure claims " + n + " stack frames; at most "
                    + MAX_FRAMES + " are written");
        }
        StackTraceElement[] frames = new StackTraceElement[n];
        for (int i = 0; i < n; i++) {
            frames[i] = new StackTraceElement(input.readString(), input.readString(), input.readString(),
                    input.readVarInt(true) - 2);
        }
        RemoteFailure cause = input.readBoolean() ? readOne(input, depth + 1) : null;
        RemoteFailure failure = new RemoteFailure(className == null ? "?" : className, message, cause);
        failure.setStackTrace(frames);
        return failure;
    }
}
