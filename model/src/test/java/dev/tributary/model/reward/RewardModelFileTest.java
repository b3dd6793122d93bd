package dev.tributary.model.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.token.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardModelFileTest {
    private static final Tokenizer TOKENIZER = Tokenizer.standard();
    private static final RewardModelShape SHAPE = new RewardModelShape(TOKENIZER.vocabSize(), 24, 4, 8, 3);
    private static final List<int[]> PROMPTS = List.of(TOKENIZER.encode("<bos>12+34="), TOKENIZER.encode("<bos>9-3="));
    private static final List<int[]> RESPONSES = List.of(TOKENIZER.encode("2+4+0=06,1+3+0=04,<sep>46<eos>"),
            TOKENIZER.encode("9-3-0=06,<sep>7<eos>"));

    private static RewardModel model() {
        return RewardModel.create(SHAPE, "arithmetic", TOKENIZER, 1e-2, 3);
    }

    private static String refusal(Path file, String task, Tokenizer tokenizer) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RewardModelFile.load(file, task, tokenizer));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("reward model file " + file + " "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void savedModel_loadsWithItsHeader_andScoresExactlyAsBefore(@TempDir Path dir) {
        RewardModel m = model();
        double[] before = m.probabilities(PROMPTS, RESPONSES);
        Path file = dir.resolve("rm.bin");
        RewardModelFile.save(m, file, Map.of("held-out-auc", "0.5"));
        RewardModelFile.Header h = RewardModelFile.header(file);
        assertEquals("arithmetic", h.task());
        assertEquals(TOKENIZER.alphabet(), h.alphabet());
        assertEquals(SHAPE, h.shape());
        assertEquals("0.5", h.facts().get("held-out-auc"));
        RewardModel loaded = RewardModelFile.load(file, "arithmetic", TOKENIZER);
        assertEquals(SHAPE, loaded.shape());
        assertArrayEquals(before, loaded.probabilities(PROMPTS, RESPONSES), 0.0);
        for (double p : before) {
            assertTrue(p > 0 && p < 1, "a probability: " + p);
        }
    }

    @Test
    void aModelOfAnotherTaskOrTokenizer_isRefusedInOneLine(@TempDir Path dir) {
        Path file = dir.resolve("rm.bin");
        RewardModelFile.save(model(), file, Map.of());
        assertTrue(refusal(file, "code", TOKENIZER).endsWith("is a reward model of task 'arithmetic', but this run's "
                + "task is 'code'"));
        Tokenizer other = new Tokenizer("0123456789+-=*,;:c x");
        assertTrue(refusal(file, "arithmetic", other).contains("was trained with the tokenizer alphabet"));
    }

    @Test
    void aMissingPathADirectoryAndAFileOfSomethingElse_areRefusedInOneLine(@TempDir Path dir) throws IOException {
        assertTrue(refusal(dir.resolve("none.bin"), "arithmetic", TOKENIZER).endsWith("does not exist"));
        assertTrue(refusal(dir, "arithmetic", TOKENIZER).endsWith("is not a file"));
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello, not a model");
        assertTrue(refusal(text, "arithmetic", TOKENIZER).contains("is not a Tributary reward model file"));
        Path empty = Files.write(dir.resolve("empty.bin"), new byte[0]);
        assertTrue(refusal(empty, "arithmetic", TOKENIZER).contains("is not a Tributary reward model file"));
    }

    @Test
    void aDamagedOrTruncatedFile_isRefusedAsCorrupt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("rm.bin");
        RewardModelFile.save(model(), file, Map.of());
        byte[] bytes = Files.readAllBytes(file);
        byte[] flipped = bytes.clone();
        flipped[flipped.length - 100] ^= 0x5A;
        Path damaged = Files.write(dir.resolve("damaged.bin"), flipped);
        assertTrue(refusal(damaged, "arithmetic", TOKENIZER).contains("is corrupt: payload checksum"));
        Path truncated = Files.write(dir.resolve("truncated.bin"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertTrue(refusal(truncated, "arithmetic", TOKENIZER).contains("is corrupt: it ends after"));
        Path headerOnly = Files.write(dir.resolve("header.bin"), java.util.Arrays.copyOf(bytes, 40));
        assertTrue(refusal(headerOnly, "arithmetic", TOKENIZER).contains("is corrupt"));
    }

    @Test
    void training_learnsARuleOverTheTokens() {
        // Correct when the response holds a 7: the convolution and pooling must find it anywhere in the sequence.
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        List<int[]> prompts = new java.util.ArrayList<>();
        List<int[]> responses = new java.util.ArrayList<>();
        boolean[] labels = new boolean[128];
        for (int i = 0; i < labels.length; i++) {
            StringBuilder r = new StringBuilder();
            for (int j = 0; j < 8; j++) {
                r.append((char) ('0' + rng.nextInt(7)));
            }
            if (i % 2 == 0) {
                r.setCharAt(rng.nextInt(8), '7');
            }
            labels[i] = i % 2 == 0;
            prompts.add(TOKENIZER.encode("<bos>1+1="));
            responses.add(TOKENIZER.encode(r + "<eos>"));
        }
        RewardModel m = RewardModel.create(SHAPE, "arithmetic", TOKENIZER, 1e-2, 3);
        for (int step = 0; step < 60; step++) {
            m.fit(prompts, responses, labels);
        }
        double[] p = m.probabilities(prompts, responses);
        int right = 0;
        for (int i = 0; i < p.length; i++) {
            right += (p[i] >= 0.5) == labels[i] ? 1 : 0;
        }
        assertTrue(right >= 0.9 * p.length, right + " of " + p.length + " right");
    }
}
