package dev.tributary.model.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class PolicyConfigTest {
    @Test
    void referenceConf_givesTheDefaultModel() {
        PolicyConfig c = PolicyConfig.fromConfig(ConfigFactory.load().getConfig("tributary.model"), 23);
        assertEquals(PolicyConfig.defaults(23), c);
    }

    @Test
    void presets_areSelectableByName_andKeysOverrideThem() {
        PolicyConfig small = PolicyConfig.fromConfig(ConfigFactory.parseString("preset = small")
                .withFallback(ConfigFactory.load().getConfig("tributary.model")), 23);
        assertEquals(PolicyConfig.small(23), small);
        assertEquals(256, small.dModel());
        long count = Policy.create(small).params().count();
        assertTrue(count > 3_000_000 && count < 3_500_000, "small preset has " + count + " parameters");
        PolicyConfig shorter = PolicyConfig.fromConfig(ConfigFactory.parseString("preset = small, context-length = 128")
                .withFallback(ConfigFactory.load().getConfig("tributary.model")), 23);
        assertEquals(128, shorter.contextLength());
        assertEquals(4, shorter.layers());
        var e = assertThrows(IllegalArgumentException.class, () -> PolicyConfig.preset("huge", 23));
        assertEquals("model preset 'huge' is not one of [default, small]", e.getMessage());
    }

    @Test
    void invalidSizes_areRejectedNamingTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> new PolicyConfig(23, 64, 30, 4, 2, 64, 1, DataType.FLOAT));
        assertEquals("d_model 30 must be divisible by the number of heads 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PolicyConfig(23, 0, 32, 4, 2, 64, 1, DataType.FLOAT));
        assertEquals("context length 0 must be > 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new PolicyConfig(23, 8, 32, 4, 2, 64, 1, DataType.HALF));
        assertTrue(e.getMessage().contains("HALF must be FLOAT or DOUBLE"), e.getMessage());
        var bad = ConfigFactory.parseString("context-length = lots").withFallback(ConfigFactory.load().getConfig("tributary.model"));
        var ce = assertThrows(com.typesafe.config.ConfigException.WrongType.class, () -> PolicyConfig.fromConfig(bad, 23));
        assertTrue(ce.getMessage().contains("context-length"), ce.getMessage());
    }

    @Test
    void optimizerSettings_andBatches_validate() {
        var e = assertThrows(IllegalArgumentException.class, () -> Optimizer.Settings.adam(-0.1));
        assertEquals("learning rate -0.1 must be a finite number > 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SequenceBatch(new int[][] {{1, 2}}, new int[] {0}));
        assertTrue(e.getMessage().contains("response start 0 of sequence 0 must be in [1, 2]"), e.getMessage());
        Policy p = Policy.create(new PolicyConfig(23, 4, 8, 2, 1, 8, 1, DataType.FLOAT));
        e = assertThrows(IllegalArgumentException.class,
                () -> p.responseLogProbs(new SequenceBatch(new int[][] {{1, 2, 3, 4, 5, 6}}, new int[] {1})));
        assertEquals("sequence of 6 tokens exceeds the context length 4", e.getMessage());
    }

    @Test
    void optimizerReset_forgetsMoments() {
        Policy p = Policy.create(new PolicyConfig(23, 8, 8, 2, 1, 8, 1, DataType.FLOAT));
        Optimizer opt = new Optimizer(p.params(), Optimizer.Settings.adam(1e-2));
        SequenceBatch b = new SequenceBatch(new int[][] {{1, 5, 6, 2}}, new int[] {1});
        p.step(b, new double[][] {{-1, -1, -1}}, opt);
        assertEquals(1, opt.iteration());
        assertTrue(opt.state().get("head").sumNumber().doubleValue() != 0, "moments must be non-zero after a step");
        opt.reset();
        assertEquals(0, opt.iteration());
        assertEquals(0, opt.state().get("head").amaxNumber().doubleValue());
    }

    @Test
    void domainRecords_validateWithMessagesThatNameTheValue() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Segment("t1", 0, new int[] {4, 5}, new float[] {-0.1f}, 0, FinishReason.EOS));
        assertTrue(e.getMessage().contains("has 2 tokens but 1 log-probs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Segment("t1", 0, new int[] {4}, new float[] {0.5f}, 0, FinishReason.EOS));
        assertTrue(e.getMessage().contains("log-prob 0.5 at token 0 must be a finite number <= 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Prompt("p", new int[] {1}, "arithmetic", -1, "2"));
        assertTrue(e.getMessage().contains("difficulty -1 of prompt 'p' must be >= 0"), e.getMessage());
        Prompt prompt = new Prompt("p", new int[] {1, 5}, "arithmetic", 1, "2");
        Segment cut = new Segment("t1", 0, new int[] {4}, new float[] {-0.1f}, 3, FinishReason.TOKEN_BUDGET);
        Trajectory t = Trajectory.start("t1", prompt).append(cut);
        assertTrue(!t.finished());
        Segment done = new Segment("t1", 1, new int[] {2}, new float[] {-0.2f}, 4, FinishReason.EOS);
        Trajectory full = t.append(done);
        assertTrue(full.finished());
        assertEquals(3, full.oldestVersion());
        assertEquals(List.of(1, 5, 4, 2), java.util.Arrays.stream(full.prefix()).boxed().toList());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Trajectory("t1", prompt, List.of(done), Double.NaN));
        assertTrue(e.getMessage().contains("expected trajectory id t1 and index 0"), e.getMessage());
        var ise = assertThrows(IllegalStateException.class, () -> full.append(done));
        assertTrue(ise.getMessage().contains("trajectory t1 is finished"), ise.getMessage());
    }
}
