package dev.tributary.streams.weights;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The trainer side of weight broadcast. Holds the latest published weights and, for every request that arrives on
 * its wire endpoint, starts a {@link ChunkSender} child that sends that version's chunks straight to the requester's
 * receiver as plain messages, as far ahead as the receiver grants credit. The endpoint speaks {@link WireProtocol}
 * (plain ByteStrings) and is registered with the Receptionist under {@link #SERVICE_KEY}.
 */
public final class WeightPublisher extends AbstractBehavior<WeightPublisher.Command> {
    public static final ServiceKey<ByteString> SERVICE_KEY =
            ServiceKey.create(ByteString.class, "tributary-weight-publisher");

    public sealed interface Command permits Publish, GetEndpoint, FromWire {
    }

    /** Makes {@code weights} the version offered from now on; transfers already running keep their version. */
    public record Publish(FlatWeights weights, ActorRef<PublishResult> replyTo) implements Command {
    }

    /** Asks for the wire endpoint that fetchers on other nodes send their requests to. */
    public record GetEndpoint(ActorRef<Endpoint> replyTo) implements Command {
    }

    private record FromWire(ByteString frame) implements Command {
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
    private WeightChunks latest;
    private long offers;

    public static Behavior<Command> create(WeightSyncSettings settings) {
        return create(settings, (n, elements) -> elements);
    }

    static Behavior<Command> create(WeightSyncSettings settings, Transit transit) {
        return Behaviors.setup(ctx -> new WeightPublisher(ctx, settings, transit));
    }

    private WeightPublisher(ActorContext<Command> ctx, WeightSyncSettings settings, Transit transit) {
        super(ctx);
        this.frameBytes = WeightSyncSettings.frameLimit(ctx.getSystem().settings().config());
        this.settings = settings.requireFitsFrame(frameBytes);
        this.transit = transit;
        this.protocol = new WireProtocol(ctx.getSystem());
        this.wire = ctx.messageAdapter(ByteString.class, FromWire::new);
        ctx.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, wire));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Publish.class, this::onPublish)
                .onMessage(GetEndpoint.class, this::onGetEndpoint)
                .onMessage(FromWire.class, this::onWire)
                .build();
    }

    private Behavior<Command> onPublish(Publish p) {
        WeightChunks chunks = WeightChunks.of(p.weights(), settings.chunkBytes());
        if (chunks.manifestElementBytes() + WeightSyncSettings.FRAME_RESERVE_BYTES >= frameBytes) {
            // A layout this large would make the manifest itself an oversized, silently dropped frame.
            p.replyTo().tell(new NotPublished(chunks.version(), "the manifest of " + chunks.version() + " is "
                    + chunks.manifestElementBytes() + " bytes and does not fit Artery's " + frameBytes
                    + "-byte frame"));
            return this;
        }
        latest = chunks;
        p.replyTo().tell(new Published(chunks.version(), chunks.chunkCount()));
        return this;
    }

    private Behavior<Command> onGetEndpoint(GetEndpoint g) {
        g.replyTo().tell(new Endpoint(wire));
        return this;
    }

    private Behavior<Command> onWire(FromWire w) {
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
        if (latest == null || latest.version().number() < r.minVersion()) {
            String held = latest == null ? "nothing published yet" : "latest is " + latest.version();
            r.receiver().tell(protocol.encode(new WireProtocol.Unavailable(r.transferId(),
                    "v" + r.minVersion() + " or newer requested; " + held)));
            return this;
        }
        if (r.window() < 1) {
            getContext().getLog().warn("ignoring a weight request with a window of {} chunks", r.window());
            return this;
        }
        long n = offers++;
        int window = Math.min(r.window(), WeightSyncSettings.MAX_WINDOW);
        getContext().spawn(ChunkSender.create(r.transferId(), latest.version(), r.receiver(), window,
                transit.apply(n, latest.source(r.transferId())), settings.idleTimeout().multipliedBy(2)),
                "transfer-" + n);
        return this;
    }
}
