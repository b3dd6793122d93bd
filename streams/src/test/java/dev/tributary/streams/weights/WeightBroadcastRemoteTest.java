package dev.tributary.streams.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Weights from a trainer node to two rollout nodes on 127.0.0.1, over Artery messages and over the TCP data plane;
 * damaged transfers are fetched again.
 */
class WeightBroadcastRemoteTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int CHUNK = 16 * 1024;
    /** Artery transport: the tests of credit and the sender's idle limit below are of that path. */
    private static final WeightSyncSettings SETTINGS = WeightSyncSettings.defaults().withChunkBytes(CHUNK)
            .withTimeouts(/* offer= */ Duration.ofSeconds(3), /* idle= */ Duration.ofSeconds(3),
                    /* retry= */ Duration.ofMillis(50)).withTransport(WeightSyncSettings.Transport.ARTERY);
    private static ActorTestKit trainer;
    private static ActorTestKit rolloutA;
    private static ActorTestKit rolloutB;

    @BeforeAll
    static void start() {
        trainer = RemoteNodes.start("trainer");
        rolloutA = RemoteNodes.start("rollout-a");
        rolloutB = RemoteNodes.start("rollout-b");
    }

    @AfterAll
    static void stop() {
        rolloutA.shutdownTestKit();
        rolloutB.shutdownTestKit();
        trainer.shutdownTestKit();
    }

    private static ActorRef<ByteString> publisher(FlatWeights weights, WeightSyncSettings settings,
            WeightPublisher.Transit transit, ActorTestKit viewer) {
        ActorRef<WeightPublisher.Command> pub = trainer.spawn(WeightPublisher.create(settings, transit));
        TestProbe<WeightPublisher.PublishResult> published = trainer.createTestProbe();
        pub.tell(new WeightPublisher.Publish(weights, published.ref()));
        published.expectMessageClass(WeightPublisher.Published.class, WAIT);
        TestProbe<WeightPublisher.Endpoint> endpoint = trainer.createTestProbe();
        pub.tell(new WeightPublisher.GetEndpoint(endpoint.ref()));
        return RemoteNodes.remoteRef(endpoint.receiveMessage(WAIT).wire(), trainer, viewer);
    }

    private static TestProbe<WeightFetch.Result> fetch(ActorTestKit node, ActorRef<ByteString> publisher,
            long version, WeightLayout layout, WeightSyncSettings settings) {
        TestProbe<WeightFetch.Result> probe = node.createTestProbe();
        node.spawn(WeightFetch.create(publisher, new PolicyVersion(version), layout, settings, probe.ref()));
        return probe;
    }

    /** Damages only the first transfer a publisher serves, through {@code damage}, leaving later ones intact. */
    private static WeightPublisher.Transit firstTransfer(UnaryOperator<Source<ByteString, NotUsed>> damage) {
        return (n, elements) -> n == 0 ? damage.apply(elements) : elements;
    }

    /** Element {@code index} (0 is the manifest) with a payload byte flipped. */
    private static Source<ByteString, NotUsed> flip(Source<ByteString, NotUsed> s, long index) {
        return s.zipWithIndex().map(p -> p.second() == index ? TestWeights.flipByte(p.first()) : p.first());
    }

    private static void assertIntact(FlatWeights sent, WeightFetch.Fetched got) {
        assertEquals(sent.version(), got.weights().version());
        assertEquals(sent.layout(), got.weights().layout());
        assertEquals(sent.checksum(), got.weights().checksum());
        assertEquals(FlatWeights.checksum(got.weights().values()), sent.checksum());
        assertArrayEquals(sent.values(), got.weights().values());
    }

    /**
     * The transfers every transport must get right: intact weights on two nodes, and every kind of damage refused
     * and fetched again. Run once over Artery messages and once over the TCP data plane.
     */
    abstract class Transfers {
        abstract WeightSyncSettings settings();

        /** A publisher on the trainer node, with these tests' settings, as its endpoint is seen from {@code viewer}. */
        ActorRef<ByteString> publisher(FlatWeights weights, WeightPublisher.Transit transit, ActorTestKit viewer) {
            return WeightBroadcastRemoteTest.publisher(weights, settings(), transit, viewer);
        }

        @Test
        void multiMegabyteWeights_arriveIntactOnBothRolloutNodes() {
            FlatWeights sent = TestWeights.weights(7, 2 * 1024 * 1024, 11); // 8 MiB: 512 chunks of 16 KiB
            ActorRef<ByteString> forA = publisher(sent, (n, s) -> s, rolloutA);
            ActorRef<ByteString> forB = RemoteNodes.remoteRef(forA, rolloutA, rolloutB);
            TestProbe<WeightFetch.Result> a = fetch(rolloutA, forA, 7, sent.layout(), settings());
            TestProbe<WeightFetch.Result> b = fetch(rolloutB, forB, 7, sent.layout(), settings());
            WeightFetch.Fetched gotA = a.expectMessageClass(WeightFetch.Fetched.class, WAIT);
            WeightFetch.Fetched gotB = b.expectMessageClass(WeightFetch.Fetched.class, WAIT);
            assertEquals(512, WeightChunks.of(sent, CHUNK).chunkCount());
            assertIntact(sent, gotA);
            assertIntact(sent, gotB);
            assertEquals(1, gotA.attempts());
            assertEquals(1, gotB.attempts());
        }

        @Test
        void corruptedChunk_isRefusedAndFetchedAgain() {
            FlatWeights sent = TestWeights.weights(3, 300_000, 3); // 74 chunks
            ActorRef<ByteString> pub = publisher(sent, firstTransfer(s -> flip(s, 20)), rolloutA);
            WeightFetch.Fetched got = fetch(rolloutA, pub, 3, sent.layout(), settings())
                    .expectMessageClass(WeightFetch.Fetched.class, WAIT);
            assertIntact(sent, got);
            assertEquals(2, got.attempts());
            String why = got.refusals().get(0);
            assertTrue(why.startsWith("attempt 1: weights v3 (transfer ")
                    && why.contains("element 20 is corrupt: CRC32C"), why);
        }

        @Test
        void streamCompletingEarly_isRefusedAndFetchedAgain() {
            FlatWeights sent = TestWeights.weights(3, 300_000, 4);
            ActorRef<ByteString> pub = publisher(sent, firstTransfer(s -> s.take(10)), rolloutA);
            WeightFetch.Fetched got = fetch(rolloutA, pub, 3, sent.layout(), settings())
                    .expectMessageClass(WeightFetch.Fetched.class, WAIT);
            assertIntact(sent, got);
            assertEquals(2, got.attempts());
            assertTrue(got.refusals().get(0).contains("the stream ended early: incomplete after 9 of 74 chunks"),
                    got.refusals().get(0));
        }

        @Test
        void streamFailingOnTheSender_isRefusedAndFetchedAgain() {
            FlatWeights sent = TestWeights.weights(3, 300_000, 5);
            ActorRef<ByteString> pub = publisher(sent, firstTransfer(
                    s -> s.take(10).concat(Source.failed(new IllegalStateException("trainer lost its device")))),
                    rolloutA);
            WeightFetch.Fetched got = fetch(rolloutA, pub, 3, sent.layout(), settings())
                    .expectMessageClass(WeightFetch.Fetched.class, WAIT);
            assertIntact(sent, got);
            assertEquals(2, got.attempts());
            // A failure overtakes elements still buffered on the way, so how many chunks came first is not fixed.
            String why = got.refusals().get(0);
            assertTrue(why.contains("refused: the stream failed after ") && why.contains("trainer lost its device"),
                    why);
        }

        @Test
        void stalledTransfer_isRefusedAndFetchedAgain() {
            FlatWeights sent = TestWeights.weights(3, 300_000, 10);
            ActorRef<ByteString> pub = publisher(sent, firstTransfer(s -> s.take(10).concat(Source.never())),
                    rolloutA);
            WeightSyncSettings impatient = settings().withTimeouts(Duration.ofSeconds(3),
                    /* idle= */ Duration.ofMillis(500), Duration.ZERO);
            WeightFetch.Fetched got = fetch(rolloutA, pub, 3, sent.layout(), impatient)
                    .expectMessageClass(WeightFetch.Fetched.class, WAIT);
            assertIntact(sent, got);
            assertEquals(2, got.attempts());
            String why = got.refusals().get(0);
            assertTrue(why.contains("the stream failed after 9 of 74 chunks") && why.contains("TimeoutException"), why);
        }

        @Test
        void missingThenDuplicateChunk_areRefusedAndFetchedAgain() {
            FlatWeights sent = TestWeights.weights(3, 300_000, 6);
            WeightPublisher.Transit transit = (n, s) -> {
                if (n == 0) {
                    return s.zipWithIndex().filter(p -> p.second() != 5).map(Pair::first);
                }
                if (n == 1) {
                    return s.zipWithIndex().mapConcat(p -> p.second() == 5 ? List.of(p.first(), p.first())
                            : List.of(p.first()));
                }
                return s;
            };
            WeightFetch.Fetched got = fetch(rolloutB, publisher(sent, transit, rolloutB), 3, sent.layout(),
                    settings()).expectMessageClass(WeightFetch.Fetched.class, WAIT);
            assertIntact(sent, got);
            assertEquals(3, got.attempts());
            assertTrue(got.refusals().get(0).contains("missing chunk 4: chunk 5 arrived after 4 of 74 chunks"),
                    got.refusals().get(0));
            assertTrue(got.refusals().get(1).contains("duplicate chunk 4 after 5 of 74 chunks"),
                    got.refusals().get(1));
        }

        @Test
        void wrongLayout_isRefusedOnEveryAttemptAndFailsNamingTheVersion() {
            FlatWeights sent = TestWeights.weights(4, 100_000, 7);
            ActorRef<ByteString> pub = publisher(sent, (n, s) -> s, rolloutA);
            WeightFetch.FetchFailed failed = fetch(rolloutA, pub, 4, TestWeights.layout(100_400), settings())
                    .expectMessageClass(WeightFetch.FetchFailed.class, WAIT);
            assertEquals(new PolicyVersion(4), failed.requested());
            assertEquals(3, failed.refusals().size());
            assertTrue(failed.message().startsWith("weights v4 (or newer) not fetched after 3 attempts: attempt 1: "),
                    failed.message());
            assertTrue(failed.refusals().stream().allMatch(r -> r.contains("wrong layout: entry 0 is embed[50000]@0 "
                    + "where this node expects embed[50200]@0")), failed.message());
        }

        @Test
        void corruptionOnEveryTransfer_failsAfterBoundedAttempts() {
            FlatWeights sent = TestWeights.weights(5, 50_000, 8);
            ActorRef<ByteString> pub = publisher(sent, (n, s) -> flip(s, 1 + n), rolloutA);
            WeightFetch.FetchFailed failed = fetch(rolloutA, pub, 5, sent.layout(), settings().withMaxAttempts(2))
                    .expectMessageClass(WeightFetch.FetchFailed.class, WAIT);
            assertEquals(2, failed.refusals().size());
            assertTrue(failed.message().startsWith("weights v5 (or newer) not fetched after 2 attempts"),
                    failed.message());
            assertTrue(failed.refusals().get(1).contains("element 2 is corrupt"), failed.message());
        }

        @Test
        void requestForAnUnpublishedVersion_failsNamingWhatIsHeld() {
            FlatWeights sent = TestWeights.weights(4, 1_000, 9);
            ActorRef<ByteString> pub = publisher(sent, (n, s) -> s, rolloutA);
            WeightFetch.FetchFailed failed = fetch(rolloutA, pub, 9, sent.layout(), settings().withMaxAttempts(2))
                    .expectMessageClass(WeightFetch.FetchFailed.class, WAIT);
            assertTrue(failed.refusals().get(0).contains("the publisher has nothing to offer: v9 or newer requested; "
                    + "latest is v4"), failed.message());
        }

        @Test
        void silentPublisher_isAskedAgainThenFails() {
            TestProbe<ByteString> silent = trainer.createTestProbe();
            ActorRef<ByteString> pub = RemoteNodes.remoteRef(silent.ref(), trainer, rolloutA);
            WeightSyncSettings quick = settings().withMaxAttempts(2).withTimeouts(Duration.ofMillis(300),
                    Duration.ofSeconds(3), Duration.ZERO);
            WeightFetch.FetchFailed failed = fetch(rolloutA, pub, 1, TestWeights.layout(1_000), quick)
                    .expectMessageClass(WeightFetch.FetchFailed.class, WAIT);
            assertEquals(2, failed.refusals().size());
            assertTrue(failed.refusals().get(1).contains("no offer from the publisher within 300 ms"),
                    failed.message());
            silent.receiveSeveralMessages(2, WAIT); // both requests did reach the trainer node
        }

        @Test
        void fetchOutsideAnActor_completesWithTheReplyOrFailsWhenTheFetchCannotStart() throws Exception {
            FlatWeights sent = TestWeights.weights(2, 10_000, 12);
            ActorRef<ByteString> pub = publisher(sent, (n, s) -> s, rolloutB);
            WeightFetch.Result result = WeightFetch.fetch(rolloutB.system(), pub, sent.version(), sent.layout(),
                    settings()).toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertIntact(sent, (WeightFetch.Fetched) result);
            CompletableFuture<WeightFetch.Result> refused = WeightFetch.fetch(rolloutB.system(), pub, sent.version(),
                    sent.layout(), settings().withChunkBytes(256 * 1024)).toCompletableFuture();
            ExecutionException e = assertThrows(ExecutionException.class, () -> refused.get(20, TimeUnit.SECONDS));
            assertEquals("weight fetch of v2 stopped without a reply", e.getCause().getMessage());
        }

        @Test
        void chunkSizeOverTheFrame_stopsPublisherAndFetcherBeforeAnythingIsSent() {
            WeightSyncSettings tooBig = settings().withChunkBytes(256 * 1024);
            TestProbe<ByteString> publisherWire = trainer.createTestProbe();
            TestProbe<WeightFetch.Result> reply = rolloutA.createTestProbe();
            LoggingTestKit.error("reaches Artery's maximum-frame-size of 262144 bytes").withOccurrences(2)
                    .expect(trainer.system(), () -> {
                        ActorRef<WeightPublisher.Command> pub = trainer.spawn(WeightPublisher.create(tooBig));
                        trainer.createTestProbe().expectTerminated(pub, WAIT);
                        ActorRef<WeightFetch.Command> fetch = trainer.spawn(WeightFetch.create(publisherWire.ref(),
                                PolicyVersion.INITIAL, TestWeights.layout(100), tooBig, reply.ref()));
                        trainer.createTestProbe().expectTerminated(fetch, WAIT);
                        return null;
                    });
            publisherWire.expectNoMessage(Duration.ofMillis(200)); // the fetcher stopped before it asked
        }
    }

    @Nested
    class OverArtery extends Transfers {
        @Override
        WeightSyncSettings settings() {
            return SETTINGS.withTransport(WeightSyncSettings.Transport.ARTERY);
        }
    }

    @Nested
    class OverTheDataPlane extends Transfers {
        @Override
        WeightSyncSettings settings() {
            return SETTINGS.withTransport(WeightSyncSettings.Transport.TCP)
                    .withDataPlane(SETTINGS.dataPlane().withChunkBytes(CHUNK));
        }

        /** Asks {@code pub} for a data-plane transfer by hand, as a receiver would: its offer. */
        private WireProtocol.DataPlaneOffer offer(ActorRef<ByteString> pub, long transferId, long version) {
            WireProtocol protocol = new WireProtocol(rolloutA.system());
            TestProbe<ByteString> receiver = rolloutA.createTestProbe();
            pub.tell(protocol.encode(new WireProtocol.Request(transferId, version, 4, receiver.ref(), true)));
            return (WireProtocol.DataPlaneOffer) protocol.decode(receiver.receiveMessage(WAIT));
        }

        private static Socket claim(WireProtocol.DataPlaneOffer offer, long transferId) throws IOException {
            Socket socket = new Socket();
            socket.setReceiveBufferSize(16 * 1024);
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.connect(new InetSocketAddress(offer.host(), offer.port()));
            socket.getOutputStream().write(ChunkCodec.encodeClaim(transferId).toArray());
            socket.getOutputStream().flush();
            return socket;
        }

        /** The next whole element on a raw data-plane connection, checked. */
        private static ChunkCodec.Element readElement(DataInputStream in) throws IOException {
            byte[] head = new byte[ChunkCodec.HEADER_BYTES];
            in.readFully(head);
            int length = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(ChunkCodec.HEADER_BYTES - 4);
            byte[] all = Arrays.copyOf(head, ChunkCodec.OVERHEAD_BYTES + length);
            in.readFully(all, ChunkCodec.HEADER_BYTES, length + Integer.BYTES);
            return ChunkCodec.decode(ByteString.fromArrayUnsafe(all), 0);
        }

        @Test
        void offer_namesTheNodesHostAndTheBoundPort_andATransferIsClaimedOnlyOnce() throws IOException {
            FlatWeights sent = TestWeights.weights(8, 100_000, 16);
            ActorRef<ByteString> pub = publisher(sent, (n, s) -> s, rolloutA);
            WireProtocol.DataPlaneOffer offer = offer(pub, 41, 8);
            assertEquals(new WireProtocol.DataPlaneOffer(41, 8, "127.0.0.1", offer.port()), offer);
            try (Socket first = claim(offer, 41)) {
                // The first claim is answered before the second connects: two connections at once reach the server
                // in either order, and whichever claims first gets the transfer.
                ChunkCodec.Element manifest = readElement(new DataInputStream(first.getInputStream()));
                assertEquals(ChunkCodec.MANIFEST, manifest.header().kind());
                assertEquals(41, Manifest.transferId(manifest.payload()));
                try (Socket second = claim(offer, 41); Socket unknown = claim(offer, 42)) {
                    ChunkCodec.Element refused = readElement(new DataInputStream(second.getInputStream()));
                    assertEquals(ChunkCodec.ABORT, refused.header().kind());
                    assertTrue(ChunkCodec.abortReason(refused).startsWith("transfer 41 is not offered on this data "
                            + "plane (never offered, claimed already, or not claimed within 3000 ms)"),
                            ChunkCodec.abortReason(refused));
                    assertEquals(-1, second.getInputStream().read()); // and the connection ends
                    ChunkCodec.Element notOffered = readElement(new DataInputStream(unknown.getInputStream()));
                    assertTrue(ChunkCodec.abortReason(notOffered).startsWith("transfer 42 is not offered"),
                            ChunkCodec.abortReason(notOffered));
                }
            }
        }

        @Test
        void receiverThatStopsReading_isCutOffAfterTheSendersIdleLimit() throws Exception {
            FlatWeights sent = TestWeights.weights(9, 2 * 1024 * 1024, 17); // 8 MiB, beyond what the sockets buffer
            WeightSyncSettings quick = settings().withTimeouts(Duration.ofSeconds(3),
                    /* idle= */ Duration.ofMillis(200), Duration.ZERO);
            ActorRef<ByteString> pub = WeightBroadcastRemoteTest.publisher(sent, quick, (n, s) -> s, rolloutA);
            WireProtocol.DataPlaneOffer offer = offer(pub, 43, 9);
            try (Socket socket = claim(offer, 43)) {
                Thread.sleep(1_500); // reads nothing for well over twice the idle timeout
                long read = 0;
                try {
                    InputStream in = socket.getInputStream();
                    byte[] buffer = new byte[64 * 1024];
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                        read += n;
                    }
                } catch (SocketException reset) {
                    // the sender aborted the connection: what was still buffered may be lost with it
                }
                assertTrue(read < sent.bytes(), "read " + read + " bytes of a " + sent.bytes() + "-byte transfer");
            }
        }

        @Test
        void unreachableDataPlane_isSaidOnceAndTheFetchGoesOverArtery() {
            FlatWeights sent = TestWeights.weights(3, 50_000, 18);
            // Advertises an address nothing listens on (the server binds 127.0.0.1 only).
            WeightSyncSettings astray = settings().withDataPlane(
                    new WeightSyncSettings.DataPlane("127.0.0.2", "127.0.0.1", 0, CHUNK));
            ActorRef<ByteString> pub = WeightBroadcastRemoteTest.publisher(sent, astray, (n, s) -> s, rolloutA);
            WeightFetch.Fetched got = LoggingTestKit.warn("cannot be reached from this node; fetching v3 over Artery")
                    .expect(rolloutA.system(), () -> fetch(rolloutA, pub, 3, sent.layout(), settings())
                            .expectMessageClass(WeightFetch.Fetched.class, WAIT));
            assertIntact(sent, got);
            assertEquals(2, got.attempts());
            assertTrue(got.refusals().get(0).contains("the stream failed after 0 chunks (no manifest)")
                    && got.refusals().get(0).contains("127.0.0.2"), got.refusals().get(0));
        }

        @Test
        void publisherWithoutADataPlane_servesADataPlaneRequestOverArtery() {
            FlatWeights sent = TestWeights.weights(3, 50_000, 19);
            ActorRef<ByteString> pub = WeightBroadcastRemoteTest.publisher(sent, SETTINGS, (n, s) -> s, rolloutA);
            WeightFetch.Fetched got = fetch(rolloutA, pub, 3, sent.layout(), settings())
                    .expectMessageClass(WeightFetch.Fetched.class, WAIT);
            assertIntact(sent, got);
            assertEquals(1, got.attempts());
        }

        @Test
        void dataPlanePortTaken_isSaidInOneLineAndWeightsGoOverArtery() throws IOException {
            FlatWeights sent = TestWeights.weights(3, 50_000, 20);
            try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                WeightSyncSettings clash = settings().withDataPlane(
                        new WeightSyncSettings.DataPlane("", "", taken.getLocalPort(), CHUNK));
                ActorRef<ByteString> pub = LoggingTestKit.error("the weight data plane cannot listen on 127.0.0.1:"
                        + taken.getLocalPort() + " (tributary.streams.weights.data-plane): ")
                        .expect(trainer.system(), () -> WeightBroadcastRemoteTest.publisher(sent, clash, (n, s) -> s,
                                rolloutA));
                WeightFetch.Fetched got = fetch(rolloutA, pub, 3, sent.layout(), settings())
                        .expectMessageClass(WeightFetch.Fetched.class, WAIT);
                assertIntact(sent, got);
                assertEquals(1, got.attempts());
            }
        }
    }

    /** The next element to {@code probe}: a chunk (not a control message), decoded. */
    private static ChunkCodec.Header nextChunk(TestProbe<ByteString> probe) {
        ByteString frame = probe.receiveMessage(WAIT);
        assertTrue(!WireProtocol.isControl(frame), "expected a chunk, got a control message");
        return ChunkCodec.decode(frame, 0).header();
    }

    @Test
    void sender_sendsNoMoreThanItsCredit_andStopsWhenCancelled() {
        FlatWeights sent = TestWeights.weights(6, 100_000, 13); // 25 chunks of 16 KiB
        ActorRef<ByteString> pub = publisher(sent, SETTINGS, (n, s) -> s, rolloutA);
        WireProtocol protocol = new WireProtocol(rolloutA.system());
        TestProbe<ByteString> receiver = rolloutA.createTestProbe();
        pub.tell(protocol.encode(new WireProtocol.Request(77, 6, 3, receiver.ref())));
        WireProtocol.Offer offer = (WireProtocol.Offer) protocol.decode(receiver.receiveMessage(WAIT));
        assertEquals(77, offer.transferId());
        assertEquals(6, offer.version());
        // A window of 3: the manifest and two chunks, then nothing until credit comes.
        assertEquals(ChunkCodec.MANIFEST, nextChunk(receiver).kind());
        assertEquals(0, nextChunk(receiver).index());
        assertEquals(1, nextChunk(receiver).index());
        receiver.expectNoMessage(Duration.ofMillis(300));
        offer.sender().tell(protocol.encode(new WireProtocol.Credit(77, 2)));
        assertEquals(2, nextChunk(receiver).index());
        assertEquals(3, nextChunk(receiver).index());
        receiver.expectNoMessage(Duration.ofMillis(300));
        offer.sender().tell(protocol.encode(new WireProtocol.Cancel(77, "no longer wanted")));
        rolloutA.createTestProbe().expectTerminated(offer.sender(), WAIT);
        offer.sender().tell(protocol.encode(new WireProtocol.Credit(77, 10)));
        receiver.expectNoMessage(Duration.ofMillis(300));
    }

    @Test
    void sender_whoseReceiverGrantsNothing_stopsAfterItsIdleLimit() {
        FlatWeights sent = TestWeights.weights(6, 100_000, 14);
        WeightSyncSettings quick = SETTINGS.withTimeouts(Duration.ofSeconds(3), /* idle= */ Duration.ofMillis(200),
                Duration.ZERO);
        ActorRef<ByteString> pub = publisher(sent, quick, (n, s) -> s, rolloutB);
        WireProtocol protocol = new WireProtocol(rolloutB.system());
        TestProbe<ByteString> receiver = rolloutB.createTestProbe();
        pub.tell(protocol.encode(new WireProtocol.Request(5, 6, 1, receiver.ref())));
        WireProtocol.Offer offer = (WireProtocol.Offer) protocol.decode(receiver.receiveMessage(WAIT));
        assertEquals(ChunkCodec.MANIFEST, nextChunk(receiver).kind());
        // Twice the idle timeout without credit: the sender gives up and leaves nothing running.
        rolloutB.createTestProbe().expectTerminated(offer.sender(), WAIT);
        receiver.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void requestForANewerVersionThanPublished_isAnsweredUnavailable() {
        FlatWeights sent = TestWeights.weights(2, 1_000, 15);
        ActorRef<ByteString> pub = publisher(sent, SETTINGS, (n, s) -> s, rolloutA);
        WireProtocol protocol = new WireProtocol(rolloutA.system());
        TestProbe<ByteString> receiver = rolloutA.createTestProbe();
        pub.tell(protocol.encode(new WireProtocol.Request(9, 3, 4, receiver.ref())));
        WireProtocol.Unavailable u = (WireProtocol.Unavailable) protocol.decode(receiver.receiveMessage(WAIT));
        assertEquals(new WireProtocol.Unavailable(9, "v3 or newer requested; latest is v2"), u);
    }
}
