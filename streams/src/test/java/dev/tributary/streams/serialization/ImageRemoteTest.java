package dev.tributary.streams.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Image;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** Image prompts over Artery between two actor systems: they cross, and one too large for the frame is named. */
class ImageRemoteTest {
    private static final Config CONFIG = ConfigFactory.parseString("""
            pekko.actor.provider = remote
            pekko.remote.artery.canonical.hostname = "127.0.0.1"
            pekko.remote.artery.canonical.port = 0
            """ + KryoTestMessage.Registrar.CONFIG).withFallback(ConfigFactory.load()).resolve();
    private static final ActorTestKit A = ActorTestKit.create("kryo-images-remote", CONFIG);
    private static final ActorTestKit B = ActorTestKit.create("kryo-images-remote", CONFIG);
    private static final ActorRef<KryoTestMessage> ECHO_ON_B = B.spawn(KryoActorExchangeTest.echo(), "echo");
    private static final ActorRef<KryoTestMessage> ECHO_FROM_A = ActorRefResolver.get(A.system())
            .resolveActorRef(ActorRefResolver.get(B.system()).toSerializationFormat(ECHO_ON_B));

    @AfterAll
    static void shutdown() {
        A.shutdownTestKit();
        B.shutdownTestKit();
    }

    private static Trajectory withImage(int side) {
        float[] px = new float[side * side];
        for (int i = 0; i < px.length; i++) {
            px[i] = (i % 17) / 16f;
        }
        Prompt p = new Prompt("digits:" + side, new int[] {1, 20}, "digits", 1, "3",
                List.of(new Image(side, side, 1, px)));
        return Trajectory.start("r/" + side, p).append(new Segment("r/" + side, 0, new int[] {5, 2},
                new float[] {-0.3f, -0.2f}, 0, FinishReason.EOS)).withReward(0.0);
    }

    @Test
    void anImagePrompt_crossesToAnotherNode_andOneTooLargeForTheFrame_isRefusedNamingItsImages() {
        TestProbe<KryoTestMessage.Pong> probe = A.createTestProbe();
        Trajectory small = withImage(64);
        ECHO_FROM_A.tell(new KryoTestMessage.Ping("picture", small, probe.ref()));
        assertEquals(small.withReward(1.0), probe.receiveMessage(Duration.ofSeconds(10)).payload());

        Trajectory large = withImage(300); // 360,000 bytes of pixels: under the prompt limit, over Artery's frame
        LoggingTestKit.empty().withLogLevel(Level.ERROR).withCustom(e -> e.getThrowable().isPresent()
                && String.valueOf(e.getThrowable().get().getMessage()).contains("carries at least 360000 bytes of "
                + "images")).expect(A.system(), () -> {
                    ECHO_FROM_A.tell(new KryoTestMessage.Ping("too large", large, probe.ref()));
                    return null;
                });
        probe.expectNoMessage(Duration.ofMillis(500));
    }
}
