package dev.tributary.actors.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Who is still awaited: each answer counts once, unknown ones change nothing, a lost member is not waited for. */
class AwaitedTest {
    @Test
    void eachMemberCountsOnce_andEarlierValuesStayAsTheyWere() {
        Awaited<String> all = Awaited.all(List.of("w0", "w1", "w2"));
        Awaited<String> one = all.without("w1");
        assertEquals(3, all.count(), "an update leaves the value it came from as it was");
        assertEquals(2, one.count());
        assertSame(one, one.without("w1"), "answered twice");
        assertSame(one, one.without("w9"), "not one of them");
        Awaited<String> lost = one.retainAll(List.of("w0", "w1"));
        assertEquals(1, lost.count(), "w2 is lost: not waited for");
        assertFalse(lost.isEmpty());
        assertTrue(lost.without("w0").isEmpty());
        assertTrue(Awaited.all(List.<String>of()).isEmpty());
    }
}
