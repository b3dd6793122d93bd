package dev.tributary.streams.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.model.Trajectory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.SinkRef;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import scala.Option;

/**
 * Real actors exchanging messages with {@code serialize-messages = on}: every message bound to the serializer is
 * written and read back on each tell, refs included.
 */
class KryoActorExchangeTest {
    private static final ActorTestKit KIT = ActorTestKit.create("kryo-exchange",
            ConfigFactory.parseString("pekko.actor.serialize-messages = on\n" + KryoTestMessage.Registrar.CONFIG)
                    .withFallback(ConfigFactory.load()).resolve());
    private static final KryoSerializer SER = KryoSerializer.get(KIT.system());

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** Replies to a Ping with a Pong carrying the payload scored; answers a stream request with a SourceRef. */
    static Behavior<KryoTestMessage> echo() {
        return Behaviors.setup(ctx -> Behaviors.receive(KryoTestMessage.class)
                .onMessage(KryoTestMessage.Ping.class, p -> {
                    p.replyTo().tell(new KryoTestMessage.Pong(p.text() + "!", p.payload().withReward(1.0)));
                    return Behaviors.same();
                })
                .onMessage(KryoTestMessage.StreamRequest.class, r -> {
                    SourceRef<Integer> ref = Source.range(1, r.count()).runWith(StreamRefs.sourceRef(), ctx.getSystem());
                    r.replyTo().tell(new KryoTestMessage.OfferSource(ref));
                    return Behaviors.same();
                })
                .build());
    }

    /** Pings {@code target} with a message adapter as the reply address and reports the adapted reply. */
    static Behavior<String> client(ActorRef<KryoTestMessage> target, ActorRef<String> report,
                                   ActorRef<ActorRef<KryoTestMessage.Pong>> adapterTo) {
        return Behaviors.setup(ctx -> {
            ActorRef<KryoTestMessage.Pong> adapter = ctx.messageAdapter(KryoTestMessage.Pong.class,
                    pong -> "adapted " + pong.text());
            adapterTo.tell(adapter);
            target.tell(new KryoTestMessage.Ping("via adapter", Samples.unfinished("a/0"), adapter));
            return Behaviors.receive(String.class).onAnyMessage(s -> {
                report.tell(s);
                return Behaviors.same();
            }).build();
        });
    }

    @Test
    void pingPong_withRefsAndModelRecords_worksWithEveryMessageSerialized() {
        ActorRef<KryoTestMessage> echo = KIT.spawn(echo());
        TestProbe<KryoTestMessage.Pong> probe = KIT.createTestProbe();
        Trajectory t = Samples.finished("x/0", 0.0);
        echo.tell(new KryoTestMessage.Ping("hello", t, probe.ref()));
        KryoTestMessage.Pong pong = probe.receiveMessage();
        assertEquals("hello!", pong.text());
        assertEquals(t.withReward(1.0), pong.payload());
    }

    @Test
    void messageAdapterRef_travelsInAMessage_andStillReachesItsActor() {
        ActorRef<KryoTestMessage> echo = KIT.spawn(echo());
        TestProbe<String> report = KIT.createTestProbe();
        TestProbe<ActorRef<KryoTestMessage.Pong>> adapters = KIT.createTestProbe();
        KIT.spawn(client(echo, report.ref(), adapters.ref()));
        report.expectMessage("adapted via adapter!");
        // Written and resolved by hand, the adapter ref is the same ref and still delivers.
        ActorRef<KryoTestMessage.Pong> adapter = adapters.receiveMessage();
        assertEquals("FunctionRef", Adapter.toClassic(adapter).getClass().getSimpleName(), "an adapter's own class");
        ActorRef<KryoTestMessage.Pong> resolved = roundTrip(adapter);
        assertEquals(adapter, resolved);
        resolved.tell(new KryoTestMessage.Pong("direct", Samples.unfinished("b/0")));
        report.expectMessage("adapted direct");
    }

    @Test
    void typedAndClassicRefs_ofRealActors_resolveToWorkingRefs() {
        ActorRef<KryoTestMessage> echo = KIT.spawn(echo(), "echo-for-refs");
        // The concrete classes the ActorRef hierarchy registration covers: a typed adapter over a classic ref.
        assertEquals("ActorRefAdapter", echo.getClass().getSimpleName());
        assertEquals("LocalActorRef", Adapter.toClassic(echo).getClass().getSimpleName());
        ActorRef<KryoTestMessage> back = roundTrip(echo);
        assertEquals(echo, back);
        assertNotSame(echo, back);
        TestProbe<KryoTestMessage.Pong> probe = KIT.createTestProbe();
        back.tell(new KryoTestMessage.Ping("resolved", Samples.unfinished("c/0"), roundTrip(probe.ref())));
        assertEquals("resolved!", probe.receiveMessage().text());

        org.apache.pekko.actor.ActorRef classic = Adapter.toClassic(echo);
        org.apache.pekko.actor.ActorRef classicBack = roundTrip(classic);
        assertEquals(classic, classicBack);
        classicBack.tell(new KryoTestMessage.Ping("classic", Samples.unfinished("d/0"), probe.ref()),
                org.apache.pekko.actor.ActorRef.noSender());
        assertEquals("classic!", probe.receiveMessage().text());
    }

    @Test
    void sourceRef_inAReply_streamsItsElements() throws Exception {
        ActorRef<KryoTestMessage> echo = KIT.spawn(echo());
        TestProbe<KryoTestMessage.OfferSource> probe = KIT.createTestProbe();
        echo.tell(new KryoTestMessage.StreamRequest(5, probe.ref()));
        SourceRef<Integer> ref = probe.receiveMessage().source();
        assertEquals("SourceRefImpl", ref.getClass().getSimpleName());
        List<Integer> got = ref.getSource().runWith(Sink.seq(), KIT.system()).toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertEquals(List.of(1, 2, 3, 4, 5), got);
    }

    @Test
    void sinkRef_written_andResolved_acceptsElements() throws Exception {
        Pair<SinkRef<Integer>, java.util.concurrent.CompletionStage<List<Integer>>> sink =
                StreamRefs.<Integer>sinkRef().toMat(Sink.seq(), Keep.both()).run(KIT.system());
        KryoTestMessage.OfferSink offer = roundTrip(new KryoTestMessage.OfferSink(sink.first()));
        Source.range(1, 3).runWith(offer.sink().getSink(), KIT.system());
        assertEquals(List.of(1, 2, 3), sink.second().toCompletableFuture().get(5, TimeUnit.SECONDS));
    }

    @Test
    void anUnregisteredMessage_isNotDelivered_andTheFailureNamesIt() {
        ActorRef<KryoTestMessage> echo = KIT.spawn(echo());
        // Pekko's send-time check logs the serializer's refusal and drops the message, as Artery would.
        LoggingTestKit.error("swallowing exception during message send")
                .withCustom(event -> event.getThrowable().map(t -> causes(t).contains(
                        "class " + KryoTestMessage.NotRegistered.class.getName() + " is not registered")).orElse(false))
                .expect(KIT.system(), () -> {
                    echo.tell(new KryoTestMessage.NotRegistered(1));
                    return null;
                });
    }

    private static String causes(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            all.append(c.getMessage()).append('\n');
        }
        return all.toString();
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) {
        try {
            return (T) SER.fromBinary(SER.toBinary(value), Option.empty());
        } catch (java.io.NotSerializableException e) {
            throw new AssertionError(e);
        }
    }
}
