package dev.tributary.streams.weights;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * The first element of a transfer: what the chunks will add up to. Its payload is the transfer id, the whole-vector
 * checksum, the value count, the chunk size and the layout (names, shapes, offsets); each data chunk carries the
 * layout's fingerprint so a chunk of another model cannot slip in.
 */
record Manifest(PolicyVersion version, WeightLayout layout, long checksum, int chunkBytes) {
    /** Bytes in front of the layout in the payload: transfer id, checksum, value count, chunk size. */
    private static final int FIXED_BYTES = 8 + 8 + 8 + 4;

    Manifest {
        Objects.requireNonNull(version, "manifest version");
        Objects.requireNonNull(layout, "manifest layout");
        if (chunkBytes <= 0 || chunkBytes % Float.BYTES != 0) {
            throw new IllegalArgumentException("chunk size " + chunkBytes + " bytes must be > 0 and a multiple of 4");
        }
    }

    static Manifest of(FlatWeights weights, int chunkBytes) {
        return new Manifest(weights.version(), weights.layout(), weights.checksum(), chunkBytes);
    }

    long totalBytes() {
        return layout.totalSize() * Float.BYTES;
    }

    int chunkCount() {
        return Math.toIntExact((totalBytes() + chunkBytes - 1) / chunkBytes);
    }

    /** Payload bytes of data chunk {@code index}: full chunks, then whatever is left. */
    int chunkLength(int index) {
        return (int) Math.min(chunkBytes, totalBytes() - (long) index * chunkBytes);
    }

    int fingerprint() {
        return fingerprint(layout);
    }

    /** CRC32C of the encoded layout: equal layouts, equal fingerprints. */
    static int fingerprint(WeightLayout layout) {
        CRC32C crc = new CRC32C();
        crc.update(encodeLayout(layout));
        return (int) crc.getValue();
    }

    /** The encoded layout, shared by every transfer's manifest of this version. */
    byte[] encodeLayout() {
        return encodeLayout(layout);
    }

    static byte[] encodePayload(long transferId, Manifest m, byte[] encodedLayout) {
        return ByteBuffer.allocate(FIXED_BYTES + encodedLayout.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(transferId).putLong(m.checksum).putLong(m.layout.totalSize()).putInt(m.chunkBytes)
                .put(encodedLayout).array();
    }

    static int payloadBytes(byte[] encodedLayout) {
        return FIXED_BYTES + encodedLayout.length;
    }

    /** The transfer id at the front of a manifest payload. */
    static long transferId(ByteBuffer payload) {
        if (payload.remaining() < FIXED_BYTES) {
            throw new TransferRefusedException("the manifest is " + payload.remaining() + " bytes, too short");
        }
        return payload.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(payload.position());
    }

    /** Reads a manifest payload; anything malformed is a refused transfer, never an exception of another kind. */
    static Manifest decode(long version, ByteBuffer payload) {
        try {
            ByteBuffer in = payload.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            in.getLong(); // transfer id, checked by the assembler first
            long checksum = in.getLong();
            long values = in.getLong();
            int chunkBytes = in.getInt();
            int entries = in.getInt();
            List<WeightLayout.Entry> list = new ArrayList<>();
            for (int i = 0; i < entries; i++) {
                byte[] name = new byte[in.getInt()];
                in.get(name);
                long[] shape = new long[in.getInt()];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.getLong();
                }
                list.add(new WeightLayout.Entry(new String(name, StandardCharsets.UTF_8), shape, in.getLong()));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " trailing bytes");
            }
            Manifest m = new Manifest(new PolicyVersion(version), new WeightLayout(list), checksum, chunkBytes);
            if (m.layout.totalSize() != values) {
                throw new IllegalArgumentException("it declares " + values + " values but its layout holds "
                        + m.layout.totalSize());
            }
            return m;
        } catch (IllegalArgumentException | BufferUnderflowException | NegativeArraySizeException e) {
            throw new TransferRefusedException("manifest of " + new PolicyVersion(Math.max(0, version))
                    + " is malformed: " + e, e);
        }
    }

    private static byte[] encodeLayout(WeightLayout layout) {
        List<byte[]> names = new ArrayList<>();
        int size = 4;
        for (WeightLayout.Entry e : layout.entries()) {
            byte[] n = e.name().getBytes(StandardCharsets.UTF_8);
            names.add(n);
            size += 4 + n.length + 4 + 8 * e.shape().length + 8;
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN).putInt(layout.entries().size());
        for (int i = 0; i < names.size(); i++) {
            WeightLayout.Entry e = layout.entries().get(i);
            long[] shape = e.shape();
            out.putInt(names.get(i).length).put(names.get(i)).putInt(shape.length);
            for (long d : shape) {
                out.putLong(d);
            }
            out.putLong(e.offset());
        }
        return out.array();
    }
}
