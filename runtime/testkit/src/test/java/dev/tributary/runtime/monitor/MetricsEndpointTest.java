package dev.tributary.runtime.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.cluster.ClusterNodes;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run over three nodes of a real cluster on 127.0.0.1 (three ActorSystems over Artery, as in ClusterRunTest),
 * each serving /metrics on its own pekko-management port: scraped over HTTP while the run goes on.
 */
@Tag("slow")
class MetricsEndpointTest {
    private final List<TributaryRun> nodes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() throws Exception {
        ClusterNodes.stopAll(nodes);
    }

    static TributarySettings settings(Path out, int port, int seedPort, int managementPort) {
        return TinyRuns.settings(out, """
                pekko {
                  actor.provider = cluster
                  remote.artery.canonical { hostname = "127.0.0.1", port = %d }
                  cluster { seed-nodes = ["pekko://tributary@127.0.0.1:%d"], jmx.enabled = off }
                  coordinated-shutdown.exit-jvm = off
                  management.http { hostname = "127.0.0.1", port = %d }
                }
                tributary.run { iterations = 500, checkpoint-every = 0 }
                tributary.cluster.min-rollout-workers = 2
                tributary.monitor.http = on
                """.formatted(port, seedPort, managementPort));
    }

    @Test
    void everyNodeOfAThreeNodeRun_servesItsMetrics_overHttp(@TempDir Path dir) throws Exception {
        int[] ports = Loopback.freePorts(4);
        ProgressLines lines = new ProgressLines();
        TributaryRun master = ClusterNodes.node(settings(dir, ports[0], ports[0], ports[1]),
                Set.of("master", "replay", "reward"), lines);
        nodes.add(master);
        nodes.add(ClusterNodes.node(settings(dir, 0, ports[0], ports[2]), Set.of("rollout"), lines));
        nodes.add(ClusterNodes.node(settings(dir, 0, ports[0], ports[3]), Set.of("trainer"), lines));
        // The run records an iteration before it prints its line.
        lines.await(l -> l.startsWith("iter   2"), Duration.ofMinutes(3));
        assertTrue(master.metrics().size() >= 2, "two iterations within 3 minutes:\n" + lines.text());
        assertTrue(lines.snapshot().stream().anyMatch(l -> l.equals("metrics at http://127.0.0.1:" + ports[1] + "/metrics, "
                + "dashboard at http://127.0.0.1:" + ports[1] + "/dashboard")), lines.text());

        String m = scrape(ports[1]);
        assertTrue(m.contains("tributary_node_roles{roles=\"master,replay,reward\"} 1"), "the master's node answers "
                + "on its port: " + scrape(ports[1]).lines().filter(l -> l.startsWith("tributary_node")).toList()
                + scrape(ports[2]).lines().filter(l -> l.startsWith("tributary_node")).toList()
                + scrape(ports[3]).lines().filter(l -> l.startsWith("tributary_node")).toList());
        assertTrue(value(m, "tributary_iteration", "") >= 2, m);
        for (String name : List.of("tributary_reward_mean", "tributary_response_length_tokens",
                "tributary_rollout_tokens_per_second", "tributary_worker_busy_ratio")) {
            assertTrue(value(m, name, "") >= 0, name + " in\n" + m);
        }
        assertTrue(value(m, "tributary_phase_last_seconds", "phase=\"rollout\"") > 0, m);
        assertTrue(value(m, "tributary_phase_seconds_total", "phase=\"train\"") > 0, m);
        assertTrue(value(m, "tributary_trajectories_total", "kind=\"trained\"") > 0, m);
        assertEquals(0, value(m, "tributary_staleness_versions", "quantile=\"max\""), m);
        assertTrue(value(m, "tributary_replay_trajectories", "") >= 0, m);
        assertEquals(1, value(m, "tributary_node_roles", "roles=\"master,replay,reward\""), m);
        // Every member is seen by the master's node, by role and reachability (its status may still be Joining).
        assertEquals(1, value(m, "tributary_cluster_members", "reachable=\"true\",role=\"trainer\","), m);
        assertEquals(1, value(m, "tributary_cluster_members", "reachable=\"true\",role=\"rollout\","), m);
        // Summed over the heap's pools: a single pool (Eden right after a collection) may be empty.
        assertTrue(sum(m, "jvm_memory_used_bytes", "area=\"heap\"") > 0, m);
        assertTrue(m.contains("tributary_offheap_javacpp_bytes"), m);

        String rollout = scrape(ports[2]);
        assertTrue(value(rollout, "tributary_weight_sync_bytes_total", "direction=\"loaded\"") > 100_000, rollout);
        assertTrue(value(rollout, "tributary_weights_version", "") >= 1, rollout);
        assertTrue(value(rollout, "tributary_stream_segments_waiting", "") >= 0, rollout);
        assertTrue(value(rollout, "tributary_stream_segments_capacity", "") > 0, rollout);
        assertTrue(!rollout.contains("tributary_iteration"), "only the master's node has the iteration's figures");
        String trainer = scrape(ports[3]);
        assertTrue(value(trainer, "tributary_weight_sync_versions_total", "direction=\"published\"") >= 2, trainer);
        assertTrue(value(trainer, "tributary_offheap_javacpp_bytes", "") >= 0, trainer);
    }

    private String scrape(int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
        return r.body();
    }

    /** The sum of the samples {@code name{labels...}} whose labels contain {@code labels}; fails if none. */
    static double sum(String text, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$").matcher(text);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            if (m.group(1) != null && m.group(1).contains(labels)) {
                sum += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        if (!found) {
            throw new AssertionError("no sample " + name + "{" + labels + "} in\n" + text);
        }
        return sum;
    }

    /** The value of the sample {@code name{labels...}} whose labels contain {@code labels}; fails if none. */
    static double value(String text, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$").matcher(text);
        while (m.find()) {
            if (labels.isEmpty() || (m.group(1) != null && m.group(1).contains(labels))) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no sample " + name + "{" + labels + "} in\n" + text);
    }
}
