package dev.tributary.streams.weights;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * How weights are cut into chunks and fetched. Read once from {@code tributary.streams.weights} (the defaults
 * below apply where a key is absent; an unknown key is refused, naming the valid ones) and checked against the
 * Artery frame limit of the system that uses them, because Artery drops an oversized message with nothing but a
 * log line. The Artery chunk size is checked whatever the transport, so a fetch can always fall back to Artery.
 *
 * @param chunkBytes   payload bytes per chunk sent as an Artery message; a multiple of 4 (whole floats) that leaves
 *                     room for the headers below the frame limit
 * @param offerTimeout how long a fetch waits for the publisher's offer before it asks again
 * @param idleTimeout  how long a transfer may go without a chunk before it is refused as stalled
 * @param maxAttempts  whole-transfer attempts before a fetch fails
 * @param retryDelay   pause between a refused attempt and the next
 * @param inFlightBytes how many bytes of chunks a receiver lets its sender send ahead of what it has assembled (its
 *                     credit window), rounded to whole chunks and kept within {@value #MIN_WINDOW} to
 *                     {@value #MAX_WINDOW} chunks; Artery transport only (TCP's own flow control paces the data plane)
 * @param transport    how the chunks travel: on a data-plane TCP connection of their own, or as Artery messages
 * @param dataPlane    where a publisher's node listens for data-plane connections, the address it advertises, and
 *                     the chunk size there
 */
public record WeightSyncSettings(int chunkBytes, Duration offerTimeout, Duration idleTimeout, int maxAttempts,
        Duration retryDelay, long inFlightBytes, Transport transport, DataPlane dataPlane) {

    /** How a transfer's chunks travel from the publisher to a fetcher; its control messages always go over Artery. */
    public enum Transport {
        /**
         * A Pekko Streams TCP connection of its own, opened by the fetcher to the port the publisher's node
         * advertises in its offer: bulk bytes off Artery, paced by TCP, received, checked and imported in
         * overlapping stages.
         */
        TCP("tcp"),
        /** Plain Artery messages, as far ahead as the receiver grants credit: the fallback. */
        ARTERY("artery");

        private final String configName;

        Transport(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        static Transport parse(String value) {
            for (Transport t : values()) {
                if (t.configName.equals(value)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("tributary.streams.weights.transport = \"" + value
                    + "\" is not a transport; expected \"tcp\" or \"artery\"");
        }
    }

    /**
     * Where a publisher's node takes data-plane connections, and how large the chunks it sends there are.
     *
     * @param hostname     the host fetchers connect to; empty: this node's own (Artery canonical) host
     * @param bindHostname the interface to listen on; empty: {@code hostname}
     * @param port         the port to listen on; 0: any free port (each offer names the one taken)
     * @param chunkBytes   payload bytes per data-plane chunk: no frame limit applies there, and fewer, larger chunks
     *                     cost less per byte; a multiple of 4 up to {@value #MAX_DATA_PLANE_CHUNK_BYTES}
     */
    public record DataPlane(String hostname, String bindHostname, int port, int chunkBytes) {
        public DataPlane {
            Objects.requireNonNull(hostname, "data-plane hostname");
            Objects.requireNonNull(bindHostname, "data-plane bind-hostname");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("tributary.streams.weights.data-plane.port = " + port
                        + " is not a port; expected 0 (any free port) to 65535");
            }
            if (chunkBytes <= 0 || chunkBytes % Float.BYTES != 0 || chunkBytes > MAX_DATA_PLANE_CHUNK_BYTES) {
                throw new IllegalArgumentException("tributary.streams.weights.data-plane.chunk-size = " + chunkBytes
                        + " bytes; expected a multiple of 4 from 4 to " + MAX_DATA_PLANE_CHUNK_BYTES);
            }
        }

        public DataPlane withChunkBytes(int bytes) {
            return new DataPlane(hostname, bindHostname, port, bytes);
        }
    }

    /** Largest data-plane chunk: a receiver refuses a longer element, so a damaged length cannot make it buffer more. */
    public static final int MAX_DATA_PLANE_CHUNK_BYTES = 64 << 20;

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
              # How chunks travel: "tcp", on a connection of their own that the fetcher opens to the port the
              # publisher's node names in its offer (bulk bytes off Artery, received, checked and imported in
              # overlapping stages), or "artery", as Artery messages (the control plane) paced by credit.
              transport = tcp
              data-plane {
                # The host fetchers connect to; empty: this node's own host (its Artery canonical hostname).
                hostname = ""
                # The interface the publisher's node listens on; empty: the hostname above.
                bind-hostname = ""
                # The port it listens on; 0: any free port, named in each offer.
                port = 0
                # Payload bytes per chunk on the data plane (no Artery frame limits them; fewer, larger chunks cost
                # less per byte), at most 64 MiB.
                chunk-size = 1 MiB
              }
            }
            """);

    private static final Set<String> KEYS = Set.of("chunk-size", "offer-timeout", "idle-timeout",
            "max-attempts", "retry-delay", "in-flight", "transport", "data-plane.hostname", "data-plane.bind-hostname",
            "data-plane.port", "data-plane.chunk-size");

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
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(dataPlane, "data plane");
    }

    public static WeightSyncSettings defaults() {
        return fromConfig(ConfigFactory.empty());
    }

    /** Reads {@code tributary.streams.weights} from {@code config}, with the defaults where a key is absent. */
    public static WeightSyncSettings fromConfig(Config config) {
        if (config.hasPath("tributary.streams.weights")) {
            for (var e : config.getConfig("tributary.streams.weights").entrySet()) {
                if (!KEYS.contains(e.getKey())) {
                    throw new IllegalArgumentException("tributary.streams.weights." + e.getKey()
                            + " is not a setting; the settings of tributary.streams.weights are "
                            + String.join(", ", new TreeSet<>(KEYS)));
                }
            }
        }
        Config c = config.withFallback(DEFAULTS).getConfig("tributary.streams.weights");
        return new WeightSyncSettings(Math.toIntExact(c.getBytes("chunk-size")), c.getDuration("offer-timeout"),
                c.getDuration("idle-timeout"), c.getInt("max-attempts"), c.getDuration("retry-delay"),
                c.getBytes("in-flight"), Transport.parse(c.getString("transport")),
                new DataPlane(c.getString("data-plane.hostname"), c.getString("data-plane.bind-hostname"),
                        c.getInt("data-plane.port"), (int) Math.min(Integer.MAX_VALUE,
                                c.getBytes("data-plane.chunk-size"))));
    }

    public WeightSyncSettings withChunkBytes(int bytes) {
        return new WeightSyncSettings(bytes, offerTimeout, idleTimeout, maxAttempts, retryDelay, inFlightBytes,
                transport, dataPlane);
    }

    public WeightSyncSettings withMaxAttempts(int attempts) {
        return new WeightSyncSettings(chunkBytes, offerTimeout, idleTimeout, attempts, retryDelay, inFlightBytes,
                transport, dataPlane);
    }

    public WeightSyncSettings withTimeouts(Duration offer, Duration idle, Duration retry) {
        return new WeightSyncSettings(chunkBytes, offer, idle, maxAttempts, retry, inFlightBytes, transport,
                dataPlane);
    }

    public WeightSyncSettings withInFlightBytes(long bytes) {
        return new WeightSyncSettings(chunkBytes, offerTimeout, idleTimeout, maxAttempts, retryDelay, bytes,
                transport, dataPlane);
    }

    public WeightSyncSettings withTransport(Transport t) {
        return new WeightSyncSettings(chunkBytes, offerTimeout, idleTimeout, maxAttempts, retryDelay, inFlightBytes,
                t, dataPlane);
    }

    public WeightSyncSettings withDataPlane(DataPlane address) {
        return new WeightSyncSettings(chunkBytes, offerTimeout, idleTimeout, maxAttempts, retryDelay, inFlightBytes,
                transport, address);
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
