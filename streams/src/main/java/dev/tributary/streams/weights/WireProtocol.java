package dev.tributary.streams.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.StreamRefResolver;
import org.apache.pekko.util.ByteString;

/**
 * The control messages between a {@link WeightFetch} and a {@link WeightPublisher}. On the wire they are plain
 * {@link ByteString}s, which Pekko's built-in serializer carries, so the broadcast needs no custom serializer and
 * never Java serialization; refs travel in Pekko's own string form ({@link ActorRefResolver},
 * {@link StreamRefResolver}). Layout: magic 'TWP1', a tag byte, then the fields little-endian, strings as a length
 * and UTF-8 bytes.
 */
final class WireProtocol {
    private static final int MAGIC = 0x31505754; // "TWP1" as little-endian bytes
    private static final byte REQUEST = 1;
    private static final byte OFFER = 2;
    private static final byte UNAVAILABLE = 3;

    sealed interface Message permits Request, Offer, Unavailable {
        long transferId();
    }

    /** Fetcher to publisher: offer transfer {@code transferId} of weights at least as new as {@code minVersion}. */
    record Request(long transferId, long minVersion, ActorRef<ByteString> replyTo) implements Message {
    }

    /** Publisher to fetcher: pull the chunks of {@code version} from {@code chunks}. */
    record Offer(long transferId, long version, SourceRef<ByteString> chunks) implements Message {
    }

    /** Publisher to fetcher: nothing to offer yet, and why. */
    record Unavailable(long transferId, String reason) implements Message {
    }

    private final ActorRefResolver refs;
    private final StreamRefResolver streamRefs;

    WireProtocol(ActorSystem<?> system) {
        this.refs = ActorRefResolver.get(system);
        this.streamRefs = StreamRefResolver.get(system);
    }

    ByteString encode(Message m) {
        if (m instanceof Request r) {
            return frame(REQUEST, r.transferId(), r.minVersion(), refs.toSerializationFormat(r.replyTo()));
        }
        if (m instanceof Offer o) {
            return frame(OFFER, o.transferId(), o.version(), streamRefs.toSerializationFormat(o.chunks()));
        }
        Unavailable u = (Unavailable) m;
        return frame(UNAVAILABLE, u.transferId(), -1, u.reason());
    }

    /** The message in {@code frame}; a frame of anything else is refused by name. */
    Message decode(ByteString frame) {
        ByteBuffer in = ByteBuffer.wrap(frame.toArrayUnsafe()).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < 4 + 1 + 8 + 8 + 4 || in.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a weight-sync control message (" + frame.size() + " bytes)");
        }
        byte tag = in.get();
        long transferId = in.getLong();
        long number = in.getLong();
        byte[] text = new byte[in.getInt()];
        in.get(text);
        String s = new String(text, StandardCharsets.UTF_8);
        return switch (tag) {
            case REQUEST -> new Request(transferId, number, refs.resolveActorRef(s));
            case OFFER -> new Offer(transferId, number, streamRefs.resolveSourceRef(s));
            case UNAVAILABLE -> new Unavailable(transferId, s);
            default -> throw new IllegalArgumentException("unknown weight-sync control tag " + tag);
        };
    }

    private static ByteString frame(byte tag, long transferId, long number, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        return ByteString.fromArrayUnsafe(ByteBuffer.allocate(4 + 1 + 8 + 8 + 4 + t.length)
                .order(ByteOrder.LITTLE_ENDIAN).putInt(MAGIC).put(tag).putLong(transferId).putLong(number)
                .putInt(t.length).put(t).array());
    }
}
