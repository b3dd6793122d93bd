package dev.tributary.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real {@code tributary node} JVMs: a node that dies by itself fails the wait beside it, and close() leaves none. */
@Tag("slow")
class ForkedNodesTest {
    @Test
    void aNodeThatExitsByItself_failsTheWaitBesideIt_withItsOutput(@TempDir Path dir) throws Exception {
        try (ForkedNodes forked = new ForkedNodes(dir)) {
            ForkedNodes.Node node = forked.start("bad", "rollout", 0, Loopback.freePorts(1)[0],
                    dir.resolve("missing.conf"));
            AssertionError e = assertThrows(AssertionError.class,
                    () -> node.whileAlive(new CompletableFuture<Void>(), Duration.ofMinutes(1)));
            assertTrue(e.getMessage().startsWith("forked node bad died by itself (exit code "), e.getMessage());
            assertTrue(e.getMessage().contains("missing.conf"), "its output names the file: " + e.getMessage());
            assertNotEquals(0, node.awaitExit(Duration.ofSeconds(10)));
            assertEquals(node.output() + "\n", Files.readString(node.log()), "the log holds what it printed");
            assertThrows(AssertionError.class, node::kill, "a node that is gone cannot be killed");
        }
    }

    @Test
    void close_killsANodeStillRunning_andLeavesNoProcess(@TempDir Path dir) throws Exception {
        ForkedNodes.Node node;
        try (ForkedNodes forked = new ForkedNodes(dir)) {
            // A rollout node whose seed never answers: it runs, waiting to join, until it is killed.
            Path conf = forked.writeSettings("lonely", ConfigFactory.parseString("tributary.run.seed = 5"));
            node = forked.start("lonely", "rollout", 0, Loopback.freePorts(1)[0], conf);
            assertTrue(node.isAlive());
        }
        assertFalse(node.isAlive());
        assertFalse(ProcessHandle.of(node.pid()).map(ProcessHandle::isAlive).orElse(false), "no process left");
        assertEquals(137, node.exit().toCompletableFuture().join(), "SIGKILL");
    }
}
