package dev.tributary.streams.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tributary.model.weights.FlatWeights;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The fetcher's end of a data-plane connection, against a plain socket playing the publisher's data plane: it claims
 * the transfer, assembles what comes back, and closes its end of the connection once the publisher has closed its
 * own, long before any idle timeout (a connection left half open kept the stream, and the assembled vector with it,
 * alive until the timeout).
 */
class DataPlaneClientTest {
    private static final ActorTestKit KIT = ActorTestKit.create("data-plane-client");

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void afterTheTransfer_theFetcherClosesItsEndOfTheConnection() throws Exception {
        FlatWeights weights = TestWeights.weights(3, 20_000, 5);
        List<ByteString> elements = TestWeights.elements(weights, 8192, 11);
        WeightSyncSettings settings = WeightSyncSettings.defaults().withTransport(WeightSyncSettings.Transport.TCP)
                .withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ZERO);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            WeightAssembler assembler = new WeightAssembler(11, weights.version(), weights.layout());
            var run = DataPlaneClient.start(KIT.system(), new WireProtocol.DataPlaneOffer(11,
                    weights.version().number(), "127.0.0.1", server.getLocalPort()), assembler, settings);
            try (Socket s = server.accept()) {
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                byte[] claim = new byte[ChunkCodec.OVERHEAD_BYTES + Long.BYTES];
                new DataInputStream(in).readFully(claim);
                assertEquals(11, ByteBuffer.wrap(claim, ChunkCodec.HEADER_BYTES, Long.BYTES)
                        .order(ByteOrder.LITTLE_ENDIAN).getLong(), "the claimed transfer");
                OutputStream out = s.getOutputStream();
                for (ByteString e : elements) {
                    out.write(e.toArray());
                }
                s.shutdownOutput(); // the publisher's side ends, as the data plane's does after the last chunk
                run.second().toCompletableFuture().get(10, TimeUnit.SECONDS);
                assertEquals(weights, assembler.finish());
                // End of stream (-1) within the socket timeout: the fetcher closed its end too.
                assertEquals(-1, in.read(), "the fetcher's end of the connection is closed");
            }
        }
    }
}
