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
 */
public record WeightSyncSettings(int chunkBytes, Duration offerTimeout, Duration idleTimeout, int maxAttempts,
        Duration retryDelay) {

    /** Artery's default {@code maximum-frame-size}. */
    public static final long DEFAULT_FRAME_BYTES = 256 * 1024;

    /** Frame bytes kept free for the chunk header and trailer, the StreamRef envelope and Artery's own header. */
    public static final int FRAME_RESERVE_BYTES = 4 * 1024;

    private static final String FRAME_KEY = "pekko.remote.artery.advanced.maximum-frame-size";

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
    }

    public static WeightSyncSettings defaults() {
        return fromConfig(ConfigFactory.empty());
    }

    /** Reads {@code tributary.streams.weights} from {@code config}, with the defaults where a key is absent. */
    public static WeightSyncSettings fromConfig(Config config) {
        Config c = config.withFallback(DEFAULTS).getConfig("tributary.streams.weights");
        return new WeightSyncSettings(Math.toIntExact(c.getBytes("chunk-size")), c.getDuration("offer-timeout"),
                c.getDuration("idle-timeout"), c.getInt("max-attempts"), c.getDuration("retry-delay"));
    }

    public WeightSyncSettings withChunkBytes(int bytes) {
        return new WeightSyncSettings(bytes, offerTimeout, idleTimeout, maxAttempts, retryDelay);
    }

    public WeightSyncSettings withMaxAttempts(int attempts) {
        return new WeightSyncSettings(chunkBytes, offerTimeout, idleTimeout, attempts, retryDelay);
    }

    public WeightSyncSettings withTimeouts(Duration offer, Duration idle, Duration retry) {
        return new WeightSyncSettings(chunkBytes, offer, idle, maxAttempts, retry);
    }

    /** Artery's {@code maximum-frame-size} in {@code config}, or its default where remoting is not on the classpath. */
    public static long frameLimit(Config config) {
        return config.hasPath(FRAME_KEY) ? config.getBytes(FRAME_KEY) : DEFAULT_FRAME_BYTES;
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
