package dev.tributary.streams.weights;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Objects;

/**
 * How weights are cut into chunks and fetched. Read once from {@code tributary.streams.weights} (the defaults
 * below apply where a key is absent) and checked against the Artery frame limit of the system that uses them,
 * because Artery drops an oversized message with nothing but a log line.
 *
 * @param chunkBytes   payload bytes per chunk; a multiple of 4 (whole floats) that leaves room for the headers below
 *                     the frame limit
 * @param offerTimeout how long a fetch waits for the publisher's offer before it asks again
 * @param idleTimeout  how long a transfer may go without a chunk before it is refused as stalled
 * @param maxAttempts  whole-transfer attempts before a fetch fails
 * @param retryDelay   pause between a refused attempt and the next
 * @param inFlightBytes how many bytes of chunks a receiver lets its sender send ahead of what it has assembled (its
 *                     credit window), rounded to whole chunks and kept within {@value #MIN_WINDOW} to
 *                     {@value #MAX_WINDOW} chunks
 */
public record WeightSyncSettings(int chunkBytes, Duration offerTimeout, Duration idleTimeout, int maxAttempts,
        Duration retryDelay, long inFlightBytes) {

    /** Fewest chunks a receiver lets be in flight, so that one is always on its way while another is assembled. */
    public static final int MIN_WINDOW = 2;

    /**
     * Most chunks a receiver lets be in flight: well below Artery's send queues (3072 ordinary, 256 large messages
     * per association), which drop what does not fit, even with several transfers to one node.
     */
    public static final int MAX_WINDOW = 64;

    /** Artery's default {@code maximum-frame-size}. */
    public static final long DEFAULT_FRAME_BYTES = 256 * 1024;

    /** Frame bytes kept free for the chunk header and trailer and Artery's own envelope header. */
    public static final int FRAME_RESERVE_BYTES = 4 * 1024;

    private static final String FRAME_KEY = "pekko.remote.artery.advanced.maximum-frame-size";
    private static final String LARGE_FRAME_KEY = "pekko.remote.artery.advanced.maximum-large-frame-size";
    private static final String LARGE_DESTINATIONS_KEY = "pekko.remote.artery.large-message-destinations";

    /** The defaults, in the shape they would take in a {@code reference.conf}. */
    private static final Config DEFAULTS = ConfigFactory.parseString("""
            tributary.streams.weights {
              # Payload bytes per chunk: half the default Artery frame, so header and envelope always fit.
              chunk-size = 128 KiB
              # A publisher that does not answer a request within this is asked again.
              offer-timeout = 5 s
              # A transfer that delivers no chunk for this long is refused as stalled.
              idle-timeout = 10 s
              # Whole-transfer attempts before a fetch fails, naming the version.
              max-attempts = 3
              # Pause before fetching again after a refused transfer.
              retry-delay = 200 ms
              # Bytes of chunks a receiver lets be on their way to it before it has assembled them (its credit
              # window), in whole chunks, at least 2 and at most 64 of them.
              in-flight = 8 MiB
            }
            """);

    public WeightSyncSettings {
        Objects.requireNonNull(offerTimeout, "offer timeout");
        Objects.requireNonNull(idleTimeout, "idle timeout");
        Objects.requireNonNull(retryDelay, "retry delay");
        if (chunkBytes <= 0 || chunkBytes % Float.BYTES != 0) {
            throw new IllegalArgumentException("chunk size " + chunkBytes + " bytes must be > 0 and a multiple of 4");
        }
        if (offerTimeout.isNegative() || offerTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("offer timeout " + offerTimeout + " and idle timeout " + idleTimeout
                    + " must be > 0");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts " + maxAttempts + " must be >= 1");
        }
        if (retryDelay.isNegative()) {
            throw new IllegalArgumentException("retry delay " + retryDelay + " must be >= 0");
        }
        if (inFlightBytes <= 0) {
            throw new IllegalArgumentException("in-flight bytes " + inFlightBytes + " must be > 0");
        }
    }

    public static WeightSyncSettings defaults() {
        return fromConfig(ConfigFactory.empty());
    }

    /** Reads {@code tributary.streams.weights} from {@code config}, with the defaults where a key is absent. */
    public static WeightSyncSettings fromConfig(Config config) {
        Config c = config.withFallback(DEFAULTS).getConfig("tributary.streams.weights");
        return new WeightSyncSettings(Math.toIntExact(c.getBytes("chunk-size")), c.getDuration("offer-timeout"),
                c.getDuration("idle-timeout"), c.getInt("max-attempts"), c.getDuration("retry-delay"),
                c.getBytes("in-flight"));
    }

    public WeightSyncSettings withChunkBytes(int bytes) {
        return new WeightSyncSettings(bytes, offerTimeout, idleTimeout, maxAttempts, retryDelay, inFlightBytes);
    }

    public WeightSyncSettings withMaxAttempts(int attempts) {
        return new WeightSyncSettings(chunkBytes, offerTimeout, idleTimeout, attempts, retryDelay, inFlightBytes);
    }

    public WeightSyncSettings withTimeouts(Duration offer, Duration idle, Duration retry) {
        return new WeightSyncSettings(chunkBytes, offer, idle, maxAttempts, retry, inFlightBytes);
    }

    public WeightSyncSettings withInFlightBytes(long bytes) {
        return new WeightSyncSettings(chunkBytes, offerTimeout, idleTimeout, maxAttempts, retryDelay, bytes);
    }

    /** The credit window in elements: {@link #inFlightBytes} in whole chunks, within the bounds above. */
    public int windowChunks() {
        return (int) Math.max(MIN_WINDOW, Math.min(MAX_WINDOW, inFlightBytes / chunkBytes));
    }

    /**
     * Artery's {@code maximum-frame-size} in {@code config}, or its default where remoting is not on the classpath.
     * Where {@code large-message-destinations} is set (chunks may then travel on the large-message lane, whose own
     * limit is {@code maximum-large-frame-size}), the smaller of the two, so a chunk fits whichever lane carries it.
     */
    public static long frameLimit(Config config) {
        long frame = config.hasPath(FRAME_KEY) ? config.getBytes(FRAME_KEY) : DEFAULT_FRAME_BYTES;
        if (config.hasPath(LARGE_DESTINATIONS_KEY) && !config.getStringList(LARGE_DESTINATIONS_KEY).isEmpty()
                && config.hasPath(LARGE_FRAME_KEY)) {
            frame = Math.min(frame, config.getBytes(LARGE_FRAME_KEY));
        }
        return frame;
    }

    /** Refuses a chunk size whose encoded element would reach {@code frameBytes}: Artery would drop it silently. */
    public WeightSyncSettings requireFitsFrame(long frameBytes) {
        long element = (long) chunkBytes + FRAME_RESERVE_BYTES;
        if (element >= frameBytes) {
            throw new IllegalArgumentException(String.format(
                    "chunk size %d bytes plus %d bytes of headers reaches Artery's maximum-frame-size of %d bytes; "
                            + "an oversized chunk would be dropped: use a chunk size below %d or raise %s",
                    chunkBytes, FRAME_RESERVE_BYTES, frameBytes, frameBytes - FRAME_RESERVE_BYTES, FRAME_KEY));
        }
        return this;
    }
}
