package dev.tributary.streams.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.util.ByteString;

/**
 * The control messages of a transfer between a {@link WeightFetch} and a {@link WeightPublisher}. On the wire they
 * are plain {@link ByteString}s, which Pekko's built-in serializer carries, so the broadcast needs no custom
 * serializer and never Java serialization; refs travel in Pekko's own string form ({@link ActorRefResolver}).
 * Layout: magic 'TWP1', a tag byte, the transfer id, a number, a count (all little-endian), then a string as a
 * length and UTF-8 bytes. Chunks (see {@link ChunkCodec}) start with another magic, so one endpoint can take both.
 *
 * <pre>
 *  fetch's receiver                                   publisher / its per-transfer sender
 *   Request(id, min version, window, receiver)  ──▶   publisher endpoint
 *                                               ◀──   Unavailable(id, why)                  nothing to offer, or
 *                                               ◀──   Offer(id, version, sender)            from a fresh sender, then
 *                                               ◀──   manifest, chunk 0, chunk 1, ...       at most 'window' ahead
 *   Credit(id, n)                               ──▶   sender                                 n more chunks may come
 *                                               ◀──   End(id)  or  Abort(id, why)           all sent / sender failed
 *   Cancel(id, why)                             ──▶   sender                                 the receiver gave up
 * </pre>
 *
 * With the TCP data plane the bulk leaves Artery; only the request and the offer stay on it:
 *
 * <pre>
 *   Request(id, min version, data plane)        ──▶   publisher endpoint
 *                                               ◀──   DataPlaneOffer(id, version, host, port)  or  Unavailable
 *   TCP connect to host:port, claim(id)         ══▶   the publisher node's data plane
 *                                               ◀══   manifest, chunk 0, chunk 1, ...  (or an abort element)
 *   close                                       ══▶   the receiver is done or gave up
 * </pre>
 */
final class WireProtocol {
    static final int MAGIC = 0x31505754; // "TWP1" as little-endian bytes
    private static final byte REQUEST = 1;
    private static final byte OFFER = 2;
    private static final byte UNAVAILABLE = 3;
    private static final byte CREDIT = 4;
    private static final byte END = 5;
    private static final byte ABORT = 6;
    private static final byte CANCEL = 7;
    private static final byte DATA_PLANE_REQUEST = 8;
    private static final byte DATA_PLANE_OFFER = 9;
    private static final int FIXED_BYTES = 4 + 1 + 8 + 8 + 4 + 4;

    sealed interface Message permits Request, Offer, DataPlaneOffer, Unavailable, Credit, End, Abort, Cancel {
        long transferId();
    }

    /**
     * Fetcher to publisher: start transfer {@code transferId} of weights at least as new as {@code minVersion},
     * sending its elements to {@code receiver}, at most {@code window} data chunks before the first credit; or, with
     * {@code dataPlane}, on a data-plane connection the receiver opens (a publisher without one answers as for Artery).
     */
    record Request(long transferId, long minVersion, int window, ActorRef<ByteString> receiver, boolean dataPlane)
            implements Message {
        Request(long transferId, long minVersion, int window, ActorRef<ByteString> receiver) {
            this(transferId, minVersion, window, receiver, false);
        }
    }

    /**
     * Publisher to receiver: {@code version}'s elements wait for the receiver at {@code host}:{@code port}, the
     * publisher node's data plane, for a connection that claims {@code transferId}.
     */
    record DataPlaneOffer(long transferId, long version, String host, int port) implements Message {
    }

    /** Sender to receiver: the elements of {@code version} follow; credit and cancel go to {@code sender}. */
    record Offer(long transferId, long version, ActorRef<ByteString> sender) implements Message {
    }

    /** Publisher to fetcher: nothing to offer yet, and why. */
    record Unavailable(long transferId, String reason) implements Message {
    }

    /** Receiver to sender: {@code chunks} more data chunks may be sent. */
    record Credit(long transferId, int chunks) implements Message {
    }

    /** Sender to receiver: every element of the transfer has been sent. */
    record End(long transferId) implements Message {
    }

    /** Sender to receiver: the sender failed and sends nothing more. */
    record Abort(long transferId, String reason) implements Message {
    }

    /** Receiver to sender: the transfer is refused or no longer wanted; stop sending. */
    record Cancel(long transferId, String reason) implements Message {
    }

    private final ActorRefResolver refs;

    WireProtocol(ActorSystem<?> system) {
        this.refs = ActorRefResolver.get(system);
    }

    /** Whether {@code frame} is a control message (rather than a chunk). */
    static boolean isControl(ByteString frame) {
        return frame.size() >= FIXED_BYTES && (frame.apply(0) & 0xff) == (MAGIC & 0xff)
                && (frame.apply(1) & 0xff) == (MAGIC >>> 8 & 0xff) && (frame.apply(2) & 0xff) == (MAGIC >>> 16 & 0xff)
                && (frame.apply(3) & 0xff) == (MAGIC >>> 24 & 0xff);
    }

    ByteString encode(Message m) {
        if (m instanceof Request r) {
            return frame(r.dataPlane() ? DATA_PLANE_REQUEST : REQUEST, r.transferId(), r.minVersion(), r.window(),
                    refs.toSerializationFormat(r.receiver()));
        }
        if (m instanceof DataPlaneOffer o) {
            return frame(DATA_PLANE_OFFER, o.transferId(), o.version(), o.port(), o.host());
        }
        if (m instanceof Offer o) {
            return frame(OFFER, o.transferId(), o.version(), 0, refs.toSerializationFormat(o.sender()));
        }
        if (m instanceof Unavailable u) {
            return frame(UNAVAILABLE, u.transferId(), 0, 0, u.reason());
        }
        if (m instanceof Credit c) {
            return frame(CREDIT, c.transferId(), 0, c.chunks(), "");
        }
        if (m instanceof End e) {
            return frame(END, e.transferId(), 0, 0, "");
        }
        if (m instanceof Abort a) {
            return frame(ABORT, a.transferId(), 0, 0, a.reason());
        }
        Cancel c = (Cancel) m;
        return frame(CANCEL, c.transferId(), 0, 0, c.reason());
    }

    /** The message in {@code frame}; a frame of anything else is refused by name. */
    Message decode(ByteString frame) {
        ByteBuffer in = ByteBuffer.wrap(frame.toArrayUnsafe()).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < FIXED_BYTES || in.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a weight-sync control message (" + frame.size() + " bytes)");
        }
        byte tag = in.get();
        long transferId = in.getLong();
        long number = in.getLong();
        int count = in.getInt();
        int length = in.getInt();
        if (length < 0 || length != in.remaining()) {
            throw new IllegalArgumentException("weight-sync control message declares " + length + " text bytes but "
                    + "carries " + in.remaining());
        }
        byte[] text = new byte[length];
        in.get(text);
        String s = new String(text, StandardCharsets.UTF_8);
        return switch (tag) {
            case REQUEST -> new Request(transferId, number, count, refs.resolveActorRef(s), false);
            case DATA_PLANE_REQUEST -> new Request(transferId, number, count, refs.resolveActorRef(s), true);
            case DATA_PLANE_OFFER -> new DataPlaneOffer(transferId, number, s, count);
            case OFFER -> new Offer(transferId, number, refs.resolveActorRef(s));
            case UNAVAILABLE -> new Unavailable(transferId, s);
            case CREDIT -> new Credit(transferId, count);
            case END -> new End(transferId);
            case ABORT -> new Abort(transferId, s);
            case CANCEL -> new Cancel(transferId, s);
            default -> throw new IllegalArgumentException("unknown weight-sync control tag " + tag);
        };
    }

    private static ByteString frame(byte tag, long transferId, long number, int count, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        return ByteString.fromArrayUnsafe(ByteBuffer.allocate(FIXED_BYTES + t.length).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(MAGIC).put(tag).putLong(transferId).putLong(number).putInt(count).putInt(t.length).put(t)
                .array());
    }
}
