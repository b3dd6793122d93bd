package dev.tributary.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/** The metered mailbox delivers as Pekko's unbounded one does and keeps the most messages an actor held at once. */
class MeteredMailboxTest {
    @Test
    void anActorBusyWithOneMessage_whileFiveMoreArrive_hasAHighWaterMarkOfFive() throws Exception {
        ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.typed.default-mailbox {"
                + " mailbox-type = \"dev.tributary.testkit.MeteredMailbox\", single-consumer = on }"));
        try {
            CountDownLatch release = new CountDownLatch(1);
            TestProbe<Integer> seen = kit.createTestProbe();
            ActorRef<Integer> busy = kit.spawn(Behaviors.receiveMessage(n -> {
                seen.ref().tell(n);
                if (n == 0) {
                    release.await(1, TimeUnit.MINUTES); // holds its thread: the next five wait in the mailbox
                }
                return Behaviors.same();
            }), "busy");
            busy.tell(0);
            seen.expectMessage(0);
            for (int i = 1; i <= 5; i++) {
                busy.tell(i);
            }
            release.countDown();
            for (int i = 1; i <= 5; i++) {
                seen.expectMessage(i); // in order, every one delivered
            }
            var marks = MeteredMailbox.marks(kit.system());
            var mark = marks.stream().filter(m -> m.path().equals("/user/busy")).findFirst().orElseThrow();
            assertEquals(5, mark.messages(), marks.toString());
            assertTrue(marks.stream().allMatch(m -> m.messages() >= 2), "only mailboxes that held two are listed");
        } finally {
            MeteredMailbox.forget(kit.system());
            kit.shutdownTestKit();
        }
    }
}
