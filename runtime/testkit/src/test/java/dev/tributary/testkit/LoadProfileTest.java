package dev.tributary.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadProfileTest {
    private static String refused(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void theDefaults_areTheReferenceConf() {
        LoadProfile p = LoadProfile.defaults();
        assertEquals(8, p.workers());
        assertEquals(1, p.systems());
        assertEquals(new Distribution.LogNormal(100, 1.0), p.rollout().responseTokens());
        assertEquals(Duration.ofSeconds(5), p.rollout().hangTime());
        assertEquals(List.of(), p.faults());
    }

    @Test
    void hocon_readsEveryKey_overTheDefaults() {
        LoadProfile p = LoadProfile.fromConfig(ConfigFactory.parseString("""
                tributary.testkit.load {
                  workers = 64, systems = 3, iterations = 5, duration = 30s
                  rollout { response-tokens = "pareto(scale=20, shape=1.2)", time-per-token = 20us, hang-rate = 0.01 }
                  reward { latency-ms = "exponential(mean=4)", failure-rate = 0.05 }
                  trainer.weights-mb = 16
                  faults = [ { kind = down-node, per-thousand = 2 }, { kind = terminate-system, per-thousand = 1, max = 2 } ]
                }
                """));
        assertEquals(64, p.workers());
        assertEquals(Duration.ofSeconds(30), p.duration());
        assertEquals(new Distribution.Pareto(20, 1.2), p.rollout().responseTokens());
        assertEquals(Duration.ofNanos(20_000), p.rollout().timePerToken());
        assertEquals(new Distribution.Exponential(4), p.reward().latencyMs());
        assertEquals(16.0, p.trainer().weightsMb());
        assertEquals(List.of(new Fault.Plan(Fault.DOWN_NODE, 2, 1), new Fault.Plan(Fault.TERMINATE_SYSTEM, 1, 2)),
                p.faults());
        assertEquals(p, p.toBuilder().build(), "the builder starts from the profile it came from");
    }

    @Test
    void negativeRatesAndSizes_areRefusedInOneLine_namingTheKey() {
        assertEquals("tributary.testkit.load.rollout.failure-rate = -0.1: expected a probability in [0, 1)",
                refused(() -> LoadProfile.builder().rolloutFailureRate(-0.1).build()));
        assertEquals("tributary.testkit.load.reward.pass-rate = 1.5: expected a probability in [0, 1]",
                refused(() -> LoadProfile.builder().passRate(1.5).build()));
        assertEquals("tributary.testkit.load.rollout.time-per-token = PT-0.001S: expected a duration >= 0",
                refused(() -> LoadProfile.builder().timePerToken(Duration.ofMillis(-1)).build()));
        assertEquals("tributary.testkit.load.workers = 0: expected an integer > 0",
                refused(() -> LoadProfile.builder().workers(0).build()));
        assertEquals("tributary.testkit.load.samples-per-prompt = 1: expected an integer >= 2 (a group needs 2 samples)",
                refused(() -> LoadProfile.builder().samplesPerPrompt(1).build()));
        assertEquals("tributary.testkit.load.rollout.hang-rate = -1.0: expected a probability in [0, 1]",
                refused(() -> LoadProfile.fromConfig(ConfigFactory.parseString(
                        "tributary.testkit.load.rollout.hang-rate = -1"))));
    }

    @Test
    void unknownDistributionAndFaultNames_areRefusedListingTheKnownOnes() {
        assertEquals("tributary.testkit.load.reward.latency-ms = \"normal(mean=3, sd=1)\": expected one of constant, "
                + "exponential, lognormal, pareto, uniform, as in lognormal(median=200, sigma=1.0)",
                refused(() -> LoadProfile.fromConfig(ConfigFactory.parseString(
                        "tributary.testkit.load.reward.latency-ms = \"normal(mean=3, sd=1)\""))));
        assertEquals("tributary.testkit.load.faults[0].kind = \"kill-master\": expected one of stop-worker, "
                + "down-node, terminate-system", refused(() -> LoadProfile.fromConfig(ConfigFactory.parseString(
                "tributary.testkit.load { systems = 3, faults = [ { kind = kill-master, per-thousand = 1 } ] }"))));
        assertEquals("faults down-node per-thousand = -2.0: expected a rate in (0, 1000] per 1,000 finished "
                + "trajectories", refused(() -> LoadProfile.builder().systems(3).fault(Fault.DOWN_NODE, -2, 1).build()));
    }

    @Test
    void faultsNeedThreeSystems_andEveryRolloutNodeAWorker() {
        assertEquals("tributary.testkit.load.faults = [down-node at 1.0/1000 trajectories, at most 1]: expected no "
                + "faults with systems = 1, or systems >= 3: faults hit rollout-only nodes and one of them must stay "
                + "(in one ActorSystem a stopped worker fails the run's rollout role, and with it the run)",
                refused(() -> LoadProfile.builder().fault(Fault.DOWN_NODE, 1, 1).build()));
        assertEquals("tributary.testkit.load.workers = 2: expected at least 3 with systems = 4: every rollout node "
                + "gets a worker", refused(() -> LoadProfile.builder().systems(4).workers(2).build()));
    }

    @Test
    void aValueOfTheWrongType_isRefusedNamingTheKey() {
        String m = refused(() -> LoadProfile.fromConfig(ConfigFactory.parseString(
                "tributary.testkit.load.workers = many")));
        assertEquals(true, m.startsWith("tributary.testkit.load: ") && m.contains("workers"), m);
    }
}
