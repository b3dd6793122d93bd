package dev.tributary.streams.weights;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.stream.scaladsl.TcpAttributes;
import org.apache.pekko.util.ByteString;

/**
 * The publisher node's end of the TCP data plane (Pekko Streams TCP): it listens on a port of its own and serves
 * each transfer the {@link WeightPublisher} has offered to the one connection that claims it. A fetcher learns the
 * host and port from the offer (over Artery) and opens the connection; its first element claims the transfer by id,
 * and the server answers with the transfer's elements (manifest, then chunks) as they are, paced by TCP itself, or
 * with an abort element naming why not (no such offer, or the elements failed). A transfer can be claimed once and
 * only within {@code claimTimeout} of its offer; a connection on which nothing moves for {@code idleLimit} (no claim,
 * or a receiver that stopped reading) is closed, so a fetcher that went away leaves nothing behind.
 */
final class DataPlaneServer {
    /** Largest element a client may send: a claim is a few dozen bytes. */
    private static final int MAX_CLAIM_BYTES = 1024;

    /**
     * Bytes of elements the connection gathers while the previous write is still being acknowledged, sent as one
     * write (Pekko's default, 16 KiB, is below one chunk, which makes every chunk wait for the previous one's ack).
     */
    static final int WRITE_BUFFER_BYTES = 4 << 20;

    private final ActorSystem<?> system;
    private final Duration claimTimeout;
    private final Duration idleLimit;
    private final String advertisedHost;
    private final ConcurrentHashMap<Long, Source<ByteString, NotUsed>> offered = new ConcurrentHashMap<>();
    private final SharedKillSwitch connections = KillSwitches.shared("weight-data-plane");
    private volatile Tcp.ServerBinding binding;

    private DataPlaneServer(ActorSystem<?> system, String advertisedHost, Duration claimTimeout, Duration idleLimit) {
        this.system = system;
        this.advertisedHost = advertisedHost;
        this.claimTimeout = claimTimeout;
        this.idleLimit = idleLimit;
    }

    /**
     * Listens where {@code settings} say (by default on this node's own host, any free port); completes once
     * bound, or exceptionally with a message naming the address if the port cannot be taken.
     */
    static CompletionStage<DataPlaneServer> bind(ActorSystem<?> system, WeightSyncSettings settings) {
        WeightSyncSettings.DataPlane where = settings.dataPlane();
        String host = where.hostname().isEmpty() ? system.address().getHost().orElse("127.0.0.1") : where.hostname();
        String bindHost = where.bindHostname().isEmpty() ? host : where.bindHostname();
        DataPlaneServer server = new DataPlaneServer(system, host, settings.offerTimeout(),
                settings.idleTimeout().multipliedBy(2));
        CompletableFuture<DataPlaneServer> bound = new CompletableFuture<>();
        Tcp.get(system).bind(bindHost, where.port(), 100, List.of(), /* halfClose= */ false, Optional.empty())
                .to(Sink.foreach(c -> c.flow().addAttributes(TcpAttributes.tcpWriteBufferSize(WRITE_BUFFER_BYTES))
                        .join(server.connection()).run(system)))
                .run(system)
                .whenComplete((b, failure) -> {
                    if (failure != null) {
                        bound.completeExceptionally(new IllegalStateException("the weight data plane cannot listen "
                                + "on " + bindHost + ":" + where.port() + " (tributary.streams.weights.data-plane): "
                                + failure.getMessage(), failure));
                    } else {
                        server.binding = b;
                        bound.complete(server);
                    }
                });
        return bound;
    }

    /** The address fetchers connect to: the advertised host and the port actually bound. */
    InetSocketAddress address() {
        return InetSocketAddress.createUnresolved(advertisedHost, binding.localAddress().getPort());
    }

    /**
     * Makes {@code elements} the answer to the one connection that claims {@code transferId} within the claim
     * timeout; false if that id is already offered (the request came twice).
     */
    boolean offer(long transferId, Source<ByteString, NotUsed> elements) {
        if (offered.putIfAbsent(transferId, elements) != null) {
            return false;
        }
        system.scheduler().scheduleOnce(claimTimeout, () -> offered.remove(transferId, elements),
                system.executionContext());
        return true;
    }

    /** Stops listening and ends every connection (their receivers see the transfer end early and fetch again). */
    void close() {
        connections.shutdown();
        Tcp.ServerBinding b = binding;
        if (b != null) {
            b.unbind();
        }
    }

    /**
     * One connection: its first element is the claim; the answer is the claimed transfer's elements, or an abort.
     * The two directions are coupled, so the receiver closing the connection stops the sender at once.
     */
    private Flow<ByteString, ByteString, NotUsed> connection() {
        CompletableFuture<Source<ByteString, NotUsed>> answer = new CompletableFuture<>();
        Sink<ByteString, NotUsed> claims = ChunkCodec.framing(MAX_CLAIM_BYTES)
                .to(Sink.<ByteString>foreach(frame -> {
                    if (!answer.isDone()) {
                        answer.complete(claim(frame)); // one claim per connection; anything after it is ignored
                    }
                })
                        .mapMaterializedValue(done -> {
                            done.whenComplete((d, failure) -> answer.complete(Source.single(ChunkCodec.encodeAbort(0,
                                    "the connection sent no claim" + (failure == null ? "" : ": " + failure)))));
                            return NotUsed.getInstance();
                        }));
        Source<ByteString, NotUsed> elements = Source.completionStageSource(answer)
                .mapMaterializedValue(m -> NotUsed.getInstance())
                .idleTimeout(idleLimit);
        return Flow.fromSinkAndSourceCoupled(claims, elements).via(connections.flow());
    }

    private Source<ByteString, NotUsed> claim(ByteString frame) {
        long transferId;
        try {
            transferId = ChunkCodec.claimedTransfer(ChunkCodec.decode(frame, 0));
        } catch (TransferRefusedException e) {
            return Source.single(ChunkCodec.encodeAbort(0, "not a claim: " + e.getMessage()));
        }
        Source<ByteString, NotUsed> elements = offered.remove(transferId);
        if (elements == null) {
            return Source.single(ChunkCodec.encodeAbort(0, "transfer " + transferId + " is not offered on this data "
                    + "plane (never offered, claimed already, or not claimed within " + claimTimeout.toMillis()
                    + " ms)"));
        }
        return elements.recover(new PFBuilder<Throwable, ByteString>()
                .match(Throwable.class, e -> ChunkCodec.encodeAbort(0, e.toString()))
                .build());
    }
}
