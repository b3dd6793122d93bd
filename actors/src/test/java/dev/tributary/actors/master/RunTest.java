package dev.tributary.actors.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tributary.model.PolicyVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where a run stands, as a value. */
class RunTest {
    @Test
    void updates_leaveTheOriginalAsItWas() {
        Run start = Run.start(2, PolicyVersion.INITIAL, List.of());
        Run later = start.emitted(6).emitted(5).withHandoffMillisSoFar(12.5).withVersion(PolicyVersion.INITIAL.next())
                .next();
        assertEquals(3, later.iteration());
        assertEquals(11, later.expectedReceived(), "counted over the whole run");
        assertEquals(12.5, later.handoffMillisSoFar());
        assertEquals(PolicyVersion.INITIAL.next(), later.version());
        assertEquals(2, start.iteration());
        assertEquals(0, start.expectedReceived());
    }

    @Test
    void iterationsAreNumberedFromOne_zeroBeingTheWarmUpsCheckpoint() {
        assertEquals(0, Run.start(0, PolicyVersion.INITIAL, List.of()).iteration());
        var e = assertThrows(IllegalArgumentException.class, () -> Run.start(-1, PolicyVersion.INITIAL, List.of()));
        assertEquals("iteration -1 must be >= 0 (0: the warm-up's checkpoint)", e.getMessage());
    }
}
