package dev.tributary.runtime.internal.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The on-disk frame of one checkpoint: magic, format, iteration, payload length and CRC32C, then the Kryo
 * payload. The checksum is verified before decoding, so a corrupt length can never make the decoder allocate
 * wildly, and a truncated or damaged file is refused by name.
 */
final class CheckpointFile {
    static final long MAGIC = 0x5452_4942_434B_5054L; // "TRIBCKPT"
    /**
     * 3: prompts carry images, each image written once per part (2: one file per part and a manifest, read still:
     * its prompts are text prompts; 1 was one file per checkpoint).
     */
    static final int FORMAT = 3;
    /** The oldest format this build reads. */
    static final int OLDEST_READABLE = 2;
    static final int HEADER_BYTES = 8 + 4 + 4 + 8 + 8;

    private CheckpointFile() {
    }

    static byte[] frame(int iteration, byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return ByteBuffer.allocate(HEADER_BYTES + payload.length).putLong(MAGIC).putInt(FORMAT).putInt(iteration)
                .putLong(payload.length).putLong(crc.getValue()).put(payload).array();
    }

    /** Writes and forces {@code bytes} to a new file, so they are on disk before anything points at them. */
    static void writeDurably(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    /** The payload of {@code file}, its frame checked: magic, format, iteration, length and CRC32C. */
    static byte[] payload(Path file, int expectedIteration) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file, "does not exist");
        }
        byte[] all = Files.readAllBytes(file);
        if (all.length < HEADER_BYTES) {
            throw new CheckpointException(file, "is truncated: " + all.length + " bytes, shorter than its "
                    + HEADER_BYTES + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        if (b.getLong() != MAGIC) {
            throw new CheckpointException(file, "is not a Tributary checkpoint (bad magic number)");
        }
        int format = b.getInt();
        if (format < OLDEST_READABLE || format > FORMAT) {
            throw new CheckpointException(file, "has format " + format + "; this build reads formats "
                    + OLDEST_READABLE + " to " + FORMAT);
        }
        int iteration = b.getInt();
        long length = b.getLong();
        long expectedCrc = b.getLong();
        if (length != all.length - HEADER_BYTES) {
            throw new CheckpointException(file, (length > all.length - HEADER_BYTES ? "is truncated" : "has trailing bytes")
                    + ": header announces " + length + " payload bytes, file holds " + (all.length - HEADER_BYTES));
        }
        CRC32C crc = new CRC32C();
        crc.update(all, HEADER_BYTES, all.length - HEADER_BYTES);
        if (crc.getValue() != expectedCrc) {
            throw new CheckpointException(file, String.format("is corrupt: payload checksum %08x, expected %08x",
                    crc.getValue(), expectedCrc));
        }
        if (iteration != expectedIteration) {
            throw new CheckpointException(file, "holds iteration " + iteration + " but lies in the directory of "
                    + expectedIteration);
        }
        byte[] payload = new byte[all.length - HEADER_BYTES];
        System.arraycopy(all, HEADER_BYTES, payload, 0, payload.length);
        return payload;
    }

    /** The CRC32C of a payload, as the frame records it. */
    static long checksum(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return crc.getValue();
    }

    /** Reads {@code file} and decodes its payload as a {@code type}; anything wrong is refused naming the file. */
    static <T extends Record> T read(Path file, int iteration, Class<T> type) throws IOException {
        byte[] payload = payload(file, iteration);
        int format;
        try (var in = Files.newInputStream(file)) {
            format = ByteBuffer.wrap(in.readNBytes(12)).getInt(8);
        }
        try {
            return CheckpointCodec.decode(payload, type, format);
        } catch (RuntimeException e) {
            throw new CheckpointException(file, "cannot be decoded: " + rootMessage(e), e);
        }
    }

    /** Kryo wraps a record constructor's refusal (a weights checksum, say); the innermost message says what failed. */
    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root.getMessage();
    }
}
