package dev.tributary.runtime.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TributarySettingsTest {
    private static TributarySettings load(String hocon) {
        return TributarySettings.load(ConfigFactory.parseString(hocon));
    }

    private static SettingsException refused(String hocon) {
        return assertThrows(SettingsException.class, () -> load(hocon));
    }

    @Test
    void defaults_areValidAndSizedForTwoCores() {
        TributarySettings s = load("");
        assertEquals(2, s.rollout().workers());
        assertEquals(32, s.rollout().slots());
        assertEquals(24, s.rollout().tokenBudget());
        assertEquals(8, s.sampler().samplesPerPrompt());
        assertEquals(16, s.sampler().promptsPerIteration());
        assertEquals("arithmetic", s.task().name());
        assertEquals(4, s.plugins().get("tributary.task.name").settings().getInt("max-digits"),
                "task settings come from model's reference.conf");
        assertEquals("opmd", s.trainer().loss());
        assertEquals(0.1, s.plugins().get("tributary.trainer.loss").settings().getDouble("tau"), 1e-12);
        assertEquals("synchronous", s.plugins().get("tributary.master.driver").name());
        assertEquals("auto", s.plugins().get("tributary.weights.sync").name());
        assertEquals("colocated", s.device().mode());
        assertFalse(s.run().resume());
        assertTrue(s.summary().contains("token budget 24"));
    }

    @Test
    void modelPreset_andBackends_areChosenByName() {
        TributarySettings d = load("");
        assertEquals(64, d.model().dModel());
        assertEquals(dev.tributary.model.engine.EngineBackend.AUTO, d.model().engine());
        TributarySettings s = load("tributary.model { preset = small, layers = 2, engine = nd4j, trainer = samediff }");
        assertEquals(256, s.model().dModel());
        assertEquals(256, s.model().contextLength());
        assertEquals(2, s.model().layers(), "a shape key overrides the preset");
        assertEquals(dev.tributary.model.engine.EngineBackend.ND4J, s.model().engine());
        assertEquals(dev.tributary.model.policy.TrainerBackend.SAMEDIFF, s.model().trainer());
        assertEquals("tributary.model.preset = \"huge\": expected one of [default, small]",
                refused("tributary.model.preset = huge").getMessage());
        assertEquals("tributary.model.engine = \"cuda\": expected one of auto, java, nd4j",
                refused("tributary.model.engine = cuda").getMessage());
        assertEquals("tributary.model.trainer = \"torch\": expected one of auto, java, samediff",
                refused("tributary.model.trainer = torch").getMessage());
    }

    @Test
    void negativeTokenBudget_namesPathValueAndExpectation() {
        SettingsException e = refused("tributary.rollout.token-budget = -3");
        assertEquals("tributary.rollout.token-budget = -3: expected an integer > 0", e.getMessage());
        assertEquals("tributary.rollout.token-budget", e.path());
    }

    @Test
    void wrongTypes_areReportedWithTheRenderedValue() {
        assertEquals("tributary.rollout.workers = \"many\": expected an integer",
                refused("tributary.rollout.workers = many").getMessage());
        assertEquals("tributary.run.resume = \"perhaps\": expected true or false",
                refused("tributary.run.resume = perhaps").getMessage());
        assertEquals("tributary.trainer.learning-rate = [1,2]: expected a number",
                refused("tributary.trainer.learning-rate = [1, 2]").getMessage());
    }

    @Test
    void rangeChecks_coverEverySection() {
        Map<String, String> cases = Map.of(
                "tributary.rollout.top-p = 1.5", "tributary.rollout.top-p = 1.5: expected a number in (0, 1]",
                "tributary.rollout.repeat-limit = 1", "tributary.rollout.repeat-limit = 1: expected an integer >= 2",
                "tributary.rollout.batches-per-worker = 0",
                "tributary.rollout.batches-per-worker = 0: expected an integer > 0",
                "tributary.sampler.samples-per-prompt = 1",
                "tributary.sampler.samples-per-prompt = 1: expected an integer >= 2 (a group needs 2 samples)",
                "tributary.device.mode = remote", "tributary.device.mode = \"remote\": expected one of colocated",
                "tributary.reward.repeat-penalty = -0.5",
                "tributary.reward.repeat-penalty = -0.5: expected a finite number >= 0",
                "tributary.sft.learning-rate = 0", "tributary.sft.learning-rate = 0.0: expected a finite number > 0",
                "tributary.run.checkpoint-every = -1", "tributary.run.checkpoint-every = -1: expected an integer >= 0",
                "tributary.eval.prompts = -1", "tributary.eval.prompts = -1: expected an integer >= 0",
                "tributary.trainer.loss = \"\"", "tributary.trainer.loss = \"\": expected a non-blank name without "
                        + "spaces (a registered name or a fully qualified class name)");
        cases.forEach((hocon, message) -> assertEquals(message, refused(hocon).getMessage(), hocon));
        assertEquals("tributary.cluster.recovery-timeout = 0s: expected a positive duration (e.g. 2m): how long to "
                + "wait for a replacement of a lost node", refused("tributary.cluster.recovery-timeout = 0s")
                .getMessage());
        assertEquals("tributary.cluster.recovery-timeout = -5s: expected a positive duration (e.g. 2m): how long to "
                + "wait for a replacement of a lost node", refused("tributary.cluster.recovery-timeout = -5s")
                .getMessage());
    }

    @Test
    void crossChecks_nameTheKeyAndTheBound() {
        assertEquals("tributary.replay.capacity = 100: expected an integer >= 128 "
                + "(prompts-per-iteration × samples-per-prompt = 128)", refused("tributary.replay.capacity = 100").getMessage());
        assertEquals("tributary.trainer.minibatch-size = 200: expected an integer <= 128 "
                        + "(prompts-per-iteration × samples-per-prompt = 128)",
                refused("tributary.trainer.minibatch-size = 200").getMessage());
        assertEquals("tributary.sampler.difficulty.end = 1: expected an integer >= 3 (tributary.sampler.difficulty.start)",
                refused("tributary.sampler.difficulty { start = 3, end = 1 }").getMessage());
    }

    @Test
    void pluginNames_areCheckedAtStart_andAPluginReadsItsOwnSubtree() {
        // Names are checked against the run's registries when it starts (StartValidationTest); here only their form.
        assertEquals("com.example.MyLoss", load("tributary.trainer.loss = com.example.MyLoss").trainer().loss());
        assertEquals("tributary.replay.store = \"two words\": expected a non-blank name without spaces (a registered "
                + "name or a fully qualified class name)", refused("tributary.replay.store = \"two words\"").getMessage());
        // A class named by its full name keeps its settings under its simple name, a misspelt key elsewhere fails.
        TributarySettings s = load("tributary.replay { store = com.example.SpreadFirst, SpreadFirst.keep = 3 }");
        assertEquals(3, s.plugins().get("tributary.replay.store").settings().getInt("keep"));
        assertEquals("tributary.replay.SpreadFirst.keep = 3: expected no such key; the keys of tributary.replay are capacity, "
                + "max-segment-age, store", refused("tributary.replay.SpreadFirst.keep = 3").getMessage());
    }

    @Test
    void misspeltKey_isRefusedListingTheValidOnes() {
        SettingsException e = refused("tributary.rollout.token-budgte = 10");
        assertTrue(e.getMessage().startsWith("tributary.rollout.token-budgte = 10: expected no such key; the keys of "
                + "tributary.rollout are batches-per-worker, behavior, max-response-tokens,"), e.getMessage());
    }

    @Test
    void overrides_winOverTheBaseAndConvertStrings() {
        Config base = ConfigFactory.parseString("tributary.run.seed = 1\ntributary.rollout.workers = 3");
        Config c = TributarySettings.withOverrides(base, Map.of("tributary.run.seed", "42", "tributary.run.resume", "true",
                "tributary.run.out-dir", "runs/a"));
        TributarySettings s = TributarySettings.load(c);
        assertEquals(42L, s.run().seed());
        assertTrue(s.run().resume());
        assertEquals(3, s.rollout().workers(), "keys not overridden keep the base value");
    }

    @Test
    void segmentAge_followsItsSetting() {
        TributarySettings s = load("tributary.replay.max-segment-age = 2");
        assertTrue(s.replay().inLoss(3, 5));
        assertFalse(s.replay().inLoss(2, 5));
    }

    @Test
    void referenceConf_hasACommentAboveEveryKey() throws IOException {
        List<String> lines;
        try (var in = TributarySettings.class.getClassLoader().getResourceAsStream("reference.conf")) {
            lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        }
        Pattern key = Pattern.compile("^\\s*([a-z-]+)\\s*=.*");
        int keys = 0;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = key.matcher(lines.get(i));
            if (m.matches()) {
                keys++;
                assertTrue(lines.get(i - 1).strip().startsWith("#"), "no comment above line " + (i + 1) + ": " + lines.get(i));
            }
        }
        assertTrue(keys >= 35, "found only " + keys + " keys; is this the runtime's reference.conf?");
    }

    @Test
    void outDir_defaultsToANewDirectory_butResumeNeedsOne() {
        assertTrue(load("").run().outDir().startsWith("runs"));
        assertEquals("tributary.run.out-dir = \"\": expected the directory of the run to resume (tributary train "
                + "--resume --out <dir>)", refused("tributary.run.resume = true").getMessage());
    }

    @Test
    void outDir_isAPath(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path out = dir.resolve("run 1");
        TributarySettings s = TributarySettings.load(TributarySettings.withOverrides(ConfigFactory.empty(),
                Map.of("tributary.run.out-dir", out.toString())));
        assertEquals(out, s.run().outDir());
        assertFalse(Files.exists(out), "loading settings creates nothing");
    }

    @Test
    void weightTransportSettings_areCheckedAtLoad_evenWhereNoBroadcastRuns() {
        load("tributary.streams.weights { transport = artery, data-plane.port = 25530 }");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load("tributary.streams.weights.transport = udp"));
        assertEquals("tributary.streams.weights.transport = \"udp\" is not a transport; expected \"tcp\" or "
                + "\"artery\"", e.getMessage());
    }
}
