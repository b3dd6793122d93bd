package dev.tributary.actors.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.actors.device.DeviceArbiter.Phase;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class DeviceArbiterTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @Test
    void neverGrantsBothPhases_andTimesTheHandoff() {
        var arbiter = KIT.spawn(DeviceArbiter.create(1000));
        TestProbe<DeviceArbiter.Reply> r0 = KIT.createTestProbe();
        TestProbe<DeviceArbiter.Reply> r1 = KIT.createTestProbe();
        TestProbe<DeviceArbiter.Reply> trainer = KIT.createTestProbe();
        arbiter.tell(new DeviceArbiter.Acquire(Phase.ROLLOUT, "r0", 400, r0.ref()));
        arbiter.tell(new DeviceArbiter.Acquire(Phase.ROLLOUT, "r1", 400, r1.ref()));
        r0.expectMessageClass(DeviceArbiter.Granted.class);
        r1.expectMessageClass(DeviceArbiter.Granted.class);
        arbiter.tell(new DeviceArbiter.Acquire(Phase.TRAIN, "trainer", 900, trainer.ref()));
        arbiter.tell(new DeviceArbiter.Release("r0"));
        trainer.expectNoMessage(Duration.ofMillis(200));
        arbiter.tell(new DeviceArbiter.Release("r1"));
        assertEquals(Phase.TRAIN, trainer.expectMessageClass(DeviceArbiter.Granted.class).phase());
        // While training holds the device, a rollout request waits.
        arbiter.tell(new DeviceArbiter.Acquire(Phase.ROLLOUT, "r0", 400, r0.ref()));
        r0.expectNoMessage(Duration.ofMillis(200));
        arbiter.tell(new DeviceArbiter.Release("trainer"));
        r0.expectMessageClass(DeviceArbiter.Granted.class);
        TestProbe<DeviceArbiter.Stats> stats = KIT.createTestProbe();
        arbiter.tell(new DeviceArbiter.GetStats(stats.ref()));
        DeviceArbiter.Stats s = stats.receiveMessage();
        assertEquals(2, s.handoffs());
        assertTrue(s.peakBytes() <= 1000, "never more than the budget held: " + s.peakBytes());
    }

    @Test
    void requestOverTheBudget_isRefusedNamingTheFigures() {
        var arbiter = KIT.spawn(DeviceArbiter.create(1000));
        TestProbe<DeviceArbiter.Reply> p = KIT.createTestProbe();
        arbiter.tell(new DeviceArbiter.Acquire(Phase.TRAIN, "trainer", 5000, p.ref()));
        var refused = p.expectMessageClass(DeviceArbiter.Refused.class);
        assertEquals("trainer needs 5000 bytes for TRAIN but the device budget is 1000 bytes", refused.reason());
    }

    @Test
    void sharedPhases_holdTheDeviceTogether_whileTheirMemoryFits() {
        var arbiter = KIT.spawn(DeviceArbiter.create(1000, true));
        TestProbe<DeviceArbiter.Reply> r0 = KIT.createTestProbe();
        TestProbe<DeviceArbiter.Reply> trainer = KIT.createTestProbe();
        TestProbe<DeviceArbiter.Reply> r1 = KIT.createTestProbe();
        arbiter.tell(new DeviceArbiter.Acquire(Phase.ROLLOUT, "r0", 400, r0.ref()));
        arbiter.tell(new DeviceArbiter.Acquire(Phase.TRAIN, "trainer", 500, trainer.ref()));
        r0.expectMessageClass(DeviceArbiter.Granted.class);
        assertEquals(Phase.TRAIN, trainer.expectMessageClass(DeviceArbiter.Granted.class).phase(),
                "training starts while rollout holds the device");
        arbiter.tell(new DeviceArbiter.Acquire(Phase.ROLLOUT, "r1", 400, r1.ref()));
        r1.expectNoMessage(Duration.ofMillis(200));
        arbiter.tell(new DeviceArbiter.Release("trainer"));
        r1.expectMessageClass(DeviceArbiter.Granted.class);
    }
}
