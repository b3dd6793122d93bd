package dev.tributary.streams.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.model.Trajectory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Two actor systems talking over Artery on 127.0.0.1: the messages cross through the serializer's ByteBuffer path,
 * with refs of the other node resolved to remote refs.
 */
class KryoRemoteTest {
    private static final Config CONFIG = ConfigFactory.parseString("""
            pekko.actor.provider = remote
            pekko.remote.artery.canonical.hostname = "127.0.0.1"
            pekko.remote.artery.canonical.port = 0
            """ + KryoTestMessage.Registrar.CONFIG).withFallback(ConfigFactory.load()).resolve();
    private static final ActorTestKit A = ActorTestKit.create("kryo-remote", CONFIG);
    private static final ActorTestKit B = ActorTestKit.create("kryo-remote", CONFIG);
    private static final ActorRef<KryoTestMessage> ECHO_ON_B = B.spawn(KryoActorExchangeTest.echo(), "echo");
    /** B's echo as node A knows it, from the string form B gives out. */
    private static final ActorRef<KryoTestMessage> ECHO_FROM_A = ActorRefResolver.get(A.system())
            .resolveActorRef(ActorRefResolver.get(B.system()).toSerializationFormat(ECHO_ON_B));

    @AfterAll
    static void shutdown() {
        A.shutdownTestKit();
        B.shutdownTestKit();
    }

    @Test
    void pingToAnotherNode_isAnsweredToTheSendersProbe() {
        assertEquals("org.apache.pekko.remote.RemoteActorRef", Adapter.toClassic(ECHO_FROM_A).getClass().getName());
        TestProbe<KryoTestMessage.Pong> probe = A.createTestProbe();
        Trajectory t = Samples.finished("r/0", 0.0);
        ECHO_FROM_A.tell(new KryoTestMessage.Ping("over artery", t, probe.ref()));
        KryoTestMessage.Pong pong = probe.receiveMessage();
        assertEquals("over artery!", pong.text());
        assertEquals(t.withReward(1.0), pong.payload());
    }

    @Test
    void messageAdapterOfOneNode_receivesTheOtherNodesReply() {
        TestProbe<String> report = A.createTestProbe();
        TestProbe<ActorRef<KryoTestMessage.Pong>> adapters = A.createTestProbe();
        A.spawn(KryoActorExchangeTest.client(ECHO_FROM_A, report.ref(), adapters.ref()));
        report.expectMessage("adapted via adapter!");
    }

    @Test
    void sourceRefFromAnotherNode_streamsItsElements() throws Exception {
        TestProbe<KryoTestMessage.OfferSource> probe = A.createTestProbe();
        ECHO_FROM_A.tell(new KryoTestMessage.StreamRequest(100, probe.ref()));
        List<Integer> got = probe.receiveMessage().source().getSource().runWith(Sink.seq(), A.system())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(100, got.size());
        assertEquals(List.of(1, 2, 3), got.subList(0, 3));
    }
}
