package dev.tributary.streams.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * The bytes of one broadcast element, a plain {@link ByteString} so that Pekko's built-in serializer carries it.
 * Little-endian throughout, so a data payload is exactly the byte sequence {@code FlatWeights.checksum} runs over:
 *
 * <pre>
 *  0 int   magic 'TWC1'          13 int   layout fingerprint     33 int   payload length n
 *  4 byte  kind (1 manifest,     17 int   chunk index            37 n     payload
 *          2 data)               21 int   data chunk count       37+n int CRC32C of bytes [0, 37+n)
 *  5 long  policy version        25 long  payload offset (bytes into the vector)
 * </pre>
 *
 * A data chunk names no transfer, so each is encoded once per published version and sent as is to every
 * receiver; the manifest, encoded per transfer, carries the transfer id.
 *
 * <p>On the TCP data plane the elements follow each other on the connection as they are, cut apart again by their
 * own length field ({@link #framing}); two more kinds travel there: a claim (kind 3, receiver to sender, payload the
 * transfer id), the first and only element a receiver sends, and an abort (kind 4, sender to receiver, payload the
 * reason as UTF-8), sent in place of the rest when the sender fails.
 */
final class ChunkCodec {
    static final int MAGIC = 0x31435754; // "TWC1" as little-endian bytes
    static final byte MANIFEST = 1;
    static final byte DATA = 2;
    static final byte CLAIM = 3;
    static final byte ABORT = 4;
    static final int HEADER_BYTES = 37;
    static final int OVERHEAD_BYTES = HEADER_BYTES + Integer.BYTES;
    private static final int LENGTH_AT = 33;

    private ChunkCodec() {
    }

    /** The fixed fields in front of every payload. */
    record Header(byte kind, long version, int layoutFingerprint, int index, int count, long offset,
            int payloadLength) {
    }

    /**
     * A decoded element: its header, its payload bytes (a slice of the element, not a copy) and their CRC32C, derived
     * from the element's CRC and its header's ({@link Crc32cCombine}) rather than read again.
     */
    record Element(Header header, ByteString payloadBytes, int payloadCrc) {
        /** The payload as a read-only little-endian buffer: a view of one piece, or a copy of several. */
        ByteBuffer payload() {
            return payloadBytes.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }

        /** Copies the payload's little-endian floats into {@code into} from {@code at}, piece by piece. */
        void payloadFloats(float[] into, int at) {
            payloadBytes.iterator().getFloats(into, at, payloadBytes.size() / Float.BYTES, ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** A data chunk carrying {@code floatCount} values from {@code values}, starting at value {@code from}. */
    static ByteString encodeData(Header h, float[] values, int from, int floatCount) {
        ByteBuffer buf = open(h, floatCount * Float.BYTES);
        buf.asFloatBuffer().put(values, from, floatCount);
        buf.position(buf.position() + floatCount * Float.BYTES);
        return seal(buf);
    }

    static ByteString encode(Header h, byte[] payload) {
        ByteBuffer buf = open(h, payload.length);
        buf.put(payload);
        return seal(buf);
    }

    /** The element a receiver opens a data-plane connection with: which offered transfer it takes. */
    static ByteString encodeClaim(long transferId) {
        byte[] payload = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(transferId).array();
        return encode(new Header(CLAIM, 0, 0, 0, 0, 0, payload.length), payload);
    }

    /** The transfer id of a claim's payload. */
    static long claimedTransfer(Element claim) {
        if (claim.header().kind() != CLAIM || claim.payload().remaining() != Long.BYTES) {
            throw new TransferRefusedException("expected a claim (kind " + CLAIM + ", 8 bytes), got kind "
                    + claim.header().kind() + " with " + claim.payload().remaining() + " bytes");
        }
        return claim.payload().getLong(claim.payload().position());
    }

    /** The element a data-plane sender ends with when it fails: {@code reason} for the receiver's refusal. */
    static ByteString encodeAbort(long version, String reason) {
        byte[] payload = reason.getBytes(StandardCharsets.UTF_8);
        return encode(new Header(ABORT, version, 0, 0, 0, 0, payload.length), payload);
    }

    /** The reason an abort element carries. */
    static String abortReason(Element abort) {
        ByteBuffer p = abort.payload().duplicate();
        byte[] text = new byte[p.remaining()];
        p.get(text);
        return new String(text, StandardCharsets.UTF_8);
    }

    /**
     * Cuts a byte stream (a data-plane connection) back into whole elements by their own payload-length field; an
     * element over {@code maxElementBytes} fails the stream, so a damaged length cannot make a receiver buffer without
     * bound. Bytes of an element the stream ends inside are dropped: the assembler then finds the transfer incomplete.
     */
    static Flow<ByteString, ByteString, NotUsed> framing(int maxElementBytes) {
        return Flow.<ByteString>create().statefulMapConcat(() -> new Function<ByteString, Iterable<ByteString>>() {
            private ByteString buffer = ByteString.emptyByteString();

            @Override
            public Iterable<ByteString> apply(ByteString piece) {
                buffer = buffer.concat(piece);
                List<ByteString> elements = new ArrayList<>(2);
                while (buffer.size() >= HEADER_BYTES) {
                    int length = buffer.iterator().drop(LENGTH_AT).getInt(ByteOrder.LITTLE_ENDIAN);
                    if (length < 0 || length > maxElementBytes - OVERHEAD_BYTES) {
                        throw new IllegalStateException("an element declares a " + length + "-byte payload; at most "
                                + (maxElementBytes - OVERHEAD_BYTES) + " are taken");
                    }
                    if (buffer.size() < OVERHEAD_BYTES + length) {
                        break;
                    }
                    // Slices of the pieces as they arrived: nothing is copied to cut an element out.
                    elements.add(buffer.take(OVERHEAD_BYTES + length));
                    buffer = buffer.drop(OVERHEAD_BYTES + length);
                }
                return elements;
            }
        });
    }

    /**
     * Checks the frame (magic, length, CRC32C) and splits it; {@code position} is its place in the stream. A frame in
     * one array (as Artery delivers it) is read in place; one in several pieces (as the data plane's framing leaves
     * it) is too, piece by piece, without gathering it into one array first.
     */
    static Element decode(ByteString element, long position) {
        int size = element.size();
        if (size < OVERHEAD_BYTES) {
            throw new TransferRefusedException(String.format("element %d is %d bytes, shorter than the %d-byte header",
                    position, size, OVERHEAD_BYTES));
        }
        ByteBuffer head = ByteBuffer.wrap(element.isCompact() ? element.toArrayUnsafe()
                : element.slice(0, HEADER_BYTES).toArray()).order(ByteOrder.LITTLE_ENDIAN);
        if (head.getInt(0) != MAGIC) {
            throw new TransferRefusedException(String.format("element %d does not start with the chunk magic "
                    + "(found %08x): not a weight chunk", position, head.getInt(0)));
        }
        int length = head.getInt(LENGTH_AT);
        if (length < 0 || length != size - OVERHEAD_BYTES) {
            throw new TransferRefusedException(String.format("element %d declares a %d-byte payload but carries %d",
                    position, length, size - OVERHEAD_BYTES));
        }
        CRC32C headerCrc = new CRC32C();
        headerCrc.update(head.array(), 0, HEADER_BYTES);
        CRC32C crc = new CRC32C();
        if (element.isCompact()) {
            crc.update(element.toArrayUnsafe(), 0, HEADER_BYTES + length);
        } else {
            for (ByteBuffer piece : element.slice(0, HEADER_BYTES + length).getByteBuffers()) {
                crc.update(piece);
            }
        }
        int expected = element.iterator().drop(HEADER_BYTES + length).getInt(ByteOrder.LITTLE_ENDIAN);
        if ((int) crc.getValue() != expected) {
            throw new TransferRefusedException(String.format("element %d is corrupt: CRC32C %08x does not match its "
                    + "trailer %08x", position, (int) crc.getValue(), expected));
        }
        Header h = new Header(head.get(4), head.getLong(5), head.getInt(13), head.getInt(17), head.getInt(21),
                head.getLong(25), length);
        int payloadCrc = Crc32cCombine.suffix((int) crc.getValue(), (int) headerCrc.getValue(), length);
        return new Element(h, element.slice(HEADER_BYTES, HEADER_BYTES + length), payloadCrc);
    }

    private static ByteBuffer open(Header h, int payloadLength) {
        if (payloadLength != h.payloadLength()) {
            throw new IllegalArgumentException("header declares " + h.payloadLength() + " payload bytes, got "
                    + payloadLength);
        }
        ByteBuffer buf = ByteBuffer.allocate(OVERHEAD_BYTES + payloadLength).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC).put(h.kind()).putLong(h.version()).putInt(h.layoutFingerprint())
                .putInt(h.index()).putInt(h.count()).putLong(h.offset()).putInt(payloadLength);
        return buf;
    }

    private static ByteString seal(ByteBuffer buf) {
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        return ByteString.fromArrayUnsafe(buf.array());
    }
}
