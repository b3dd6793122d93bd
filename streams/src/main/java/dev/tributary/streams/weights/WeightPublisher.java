package dev.tributary.streams.weights;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The trainer side of weight broadcast. Holds the latest published weights and, for every request that arrives on
 * its wire endpoint, starts a {@link ChunkSender} child that sends that version's chunks straight to the requester's
 * receiver as plain messages, as far ahead as the receiver grants credit. The endpoint speaks {@link WireProtocol}
 * (plain ByteStrings) and is registered with the Receptionist under {@link #SERVICE_KEY}.
 *
 * <p>With {@code transport = tcp} it also runs the node's {@link DataPlaneServer}: a request for the data plane is
 * answered with an offer naming the server's address, and the transfer's elements wait there for the receiver's
 * connection. Requests that arrive while the server is still binding wait for it; if it cannot bind, the publisher
 * says so once and serves every request over Artery.
 */
public final class WeightPublisher extends AbstractBehavior<WeightPublisher.Command> {
    public static final ServiceKey<ByteString> SERVICE_KEY =
            ServiceKey.create(ByteString.class, "tributary-weight-publisher");

    public sealed interface Command permits Publish, GetEndpoint, FromWire, DataPlaneBound {
    }

    /** Makes {@code weights} the version offered from now on; transfers already running keep their version. */
    public record Publish(FlatWeights weights, ActorRef<PublishResult> replyTo) implements Command {
    }

    /** Asks for the wire endpoint that fetchers on other nodes send their requests to. */
    public record GetEndpoint(ActorRef<Endpoint> replyTo) implements Command {
    }

    private record FromWire(ByteString frame) implements Command {
    }

    /** The data plane is listening ({@code server}), or could not ({@code failure}). */
    private record DataPlaneBound(DataPlaneServer server, Throwable failure) implements Command {
    }

    public sealed interface PublishResult permits Published, NotPublished {
    }

    public record Published(PolicyVersion version, int chunks) implements PublishResult {
    }

    public record NotPublished(PolicyVersion version, String reason) implements PublishResult {
    }

    public record Endpoint(ActorRef<ByteString> wire) {
    }

    /** What a transfer's elements pass through on their way out; identity except in tests that damage them. */
    interface Transit {
        Source<ByteString, NotUsed> apply(long offerNumber, Source<ByteString, NotUsed> elements);
    }

    private final WeightSyncSettings settings;
    private final long frameBytes;
    private final Transit transit;
    private final WireProtocol protocol;
    private final ActorRef<ByteString> wire;
    private final StashBuffer<Command> stash;
    private final CompletionStage<DataPlaneServer> binding;
    private boolean bindingDone;
    private DataPlaneServer dataPlane;
    private FlatWeights latestWeights;
    /** The latest weights cut for Artery messages, and for the data plane; either is made when first needed. */
    private WeightChunks latestArtery;
    private WeightChunks latestDataPlane;
    private long offers;

    public static Behavior<Command> create(WeightSyncSettings settings) {
        return create(settings, (n, elements) -> elements);
    }

    static Behavior<Command> create(WeightSyncSettings settings, Transit transit) {
        return Behaviors.setup(ctx -> Behaviors.withStash(STASH, stash -> new WeightPublisher(ctx, stash, settings,
                transit)));
    }

    /** Requests that may wait for the data plane's binding (which takes milliseconds). */
    private static final int STASH = 1000;

    private WeightPublisher(ActorContext<Command> ctx, StashBuffer<Command> stash, WeightSyncSettings settings,
            Transit transit) {
        super(ctx);
        this.stash = stash;
        this.frameBytes = WeightSyncSettings.frameLimit(ctx.getSystem().settings().config());
        this.settings = settings.requireFitsFrame(frameBytes);
        this.transit = transit;
        this.protocol = new WireProtocol(ctx.getSystem());
        this.wire = ctx.messageAdapter(ByteString.class, FromWire::new);
        ctx.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, wire));
        if (settings.transport() == WeightSyncSettings.Transport.TCP) {
            binding = DataPlaneServer.bind(ctx.getSystem(), settings);
            ctx.pipeToSelf(binding, DataPlaneBound::new);
        } else {
            binding = null;
            bindingDone = true;
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Publish.class, this::onPublish)
                .onMessage(GetEndpoint.class, this::onGetEndpoint)
                .onMessage(FromWire.class, this::onWire)
                .onMessage(DataPlaneBound.class, this::onBound)
                .onSignal(PostStop.class, s -> {
                    if (binding != null) {
                        binding.thenAccept(DataPlaneServer::close); // now, or once bound if still binding
                    }
                    return this;
                })
                .build();
    }

    private Behavior<Command> onBound(DataPlaneBound b) {
        bindingDone = true;
        if (b.failure() != null) {
            Throwable cause = b.failure() instanceof CompletionException c && c.getCause() != null ? c.getCause()
                    : b.failure();
            getContext().getLog().error("{}; weights are served over Artery instead", cause.getMessage());
        } else {
            dataPlane = b.server();
        }
        return stash.unstashAll(this);
    }

    private Behavior<Command> onPublish(Publish p) {
        // Cut for this publisher's own transport now; for the other one only if a fetch asks for it.
        boolean tcp = settings.transport() == WeightSyncSettings.Transport.TCP;
        WeightChunks chunks = WeightChunks.of(p.weights(), tcp ? settings.dataPlane().chunkBytes()
                : settings.chunkBytes());
        if (chunks.manifestElementBytes() + WeightSyncSettings.FRAME_RESERVE_BYTES >= frameBytes) {
            // A layout this large would make the manifest itself an oversized, silently dropped frame.
            p.replyTo().tell(new NotPublished(chunks.version(), "the manifest of " + chunks.version() + " is "
                    + chunks.manifestElementBytes() + " bytes and does not fit Artery's " + frameBytes
                    + "-byte frame"));
            return this;
        }
        latestWeights = p.weights();
        latestArtery = tcp ? null : chunks;
        latestDataPlane = tcp ? chunks : null;
        p.replyTo().tell(new Published(chunks.version(), chunks.chunkCount()));
        return this;
    }

    private Behavior<Command> onGetEndpoint(GetEndpoint g) {
        g.replyTo().tell(new Endpoint(wire));
        return this;
    }

    private Behavior<Command> onWire(FromWire w) {
        if (!bindingDone) {
            if (stash.isFull()) {
                getContext().getLog().warn("ignoring a weight request: {} wait for the data plane to bind", STASH);
            } else {
                stash.stash(w);
            }
            return this;
        }
        WireProtocol.Message m;
        try {
            m = protocol.decode(w.frame());
        } catch (RuntimeException e) {
            getContext().getLog().warn("ignoring a malformed weight request: {}", e.toString());
            return this;
        }
        if (!(m instanceof WireProtocol.Request r)) {
            getContext().getLog().warn("ignoring {}: a publisher only answers requests", m);
            return this;
        }
        if (latestWeights == null || latestWeights.version().number() < r.minVersion()) {
            String held = latestWeights == null ? "nothing published yet" : "latest is " + latestWeights.version();
            r.receiver().tell(protocol.encode(new WireProtocol.Unavailable(r.transferId(),
                    "v" + r.minVersion() + " or newer requested; " + held)));
            return this;
        }
        if (r.dataPlane() && dataPlane != null) {
            if (latestDataPlane == null) {
                latestDataPlane = WeightChunks.of(latestWeights, settings.dataPlane().chunkBytes());
            }
            long n = offers++;
            if (!dataPlane.offer(r.transferId(), transit.apply(n, latestDataPlane.source(r.transferId())))) {
                r.receiver().tell(protocol.encode(new WireProtocol.Unavailable(r.transferId(),
                        "transfer " + r.transferId() + " is already offered")));
                return this;
            }
            var at = dataPlane.address();
            r.receiver().tell(protocol.encode(new WireProtocol.DataPlaneOffer(r.transferId(),
                    latestDataPlane.version().number(), at.getHostString(), at.getPort())));
            return this;
        }
        if (r.window() < 1) {
            getContext().getLog().warn("ignoring a weight request with a window of {} chunks", r.window());
            return this;
        }
        if (latestArtery == null) {
            latestArtery = WeightChunks.of(latestWeights, settings.chunkBytes());
        }
        long n = offers++;
        int window = Math.min(r.window(), WeightSyncSettings.MAX_WINDOW);
        getContext().spawn(ChunkSender.create(r.transferId(), latestArtery.version(), r.receiver(), window,
                transit.apply(n, latestArtery.source(r.transferId())), settings.idleTimeout().multipliedBy(2)),
                "transfer-" + n);
        return this;
    }
}
