package dev.tributary.runtime.internal.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
    static final WeightLayout LAYOUT = new WeightLayout(List.of(new WeightLayout.Entry("w", new long[] {2, 3}, 0),
            new WeightLayout.Entry("b", new long[] {3}, 6)));

    static FlatWeights weights(long version, float base) {
        float[] v = new float[9];
        for (int i = 0; i < v.length; i++) {
            v[i] = base + i * 0.25f;
        }
        return FlatWeights.of(new PolicyVersion(version), LAYOUT, v);
    }

    static Checkpoint checkpoint(int iteration) {
        Prompt prompt = new Prompt("p-" + iteration, new int[] {1, 7, 8, 3}, "arithmetic", 2, "15");
        Trajectory unfinished = Trajectory.start("t1", prompt)
                .append(new Segment("t1", 0, new int[] {4, 5}, new float[] {-0.5f, -1.25f}, iteration, FinishReason.TOKEN_BUDGET));
        Trajectory finished = Trajectory.start("t2", prompt)
                .append(new Segment("t2", 0, new int[] {9}, new float[] {-0.1f}, iteration, FinishReason.TOKEN_BUDGET))
                .append(new Segment("t2", 1, new int[] {6, 2}, new float[] {-2f, -0.01f}, iteration + 1L, FinishReason.EOS))
                .withReward(0.75);
        return new Checkpoint(iteration, weights(iteration + 1L, 1234.5f),
                new OptimizerState(Map.of("w", new float[] {0.1f, 0.2f}, "b", new float[] {3f}), 17),
                List.of(unfinished, finished), Map.of("p-1", new double[] {3, 8}, "p-2", new double[] {0, 8}),
                new long[] {42L, -7L, Long.MAX_VALUE}, Optional.of(weights(iteration, 0.5f)));
    }

    @Test
    void roundTrip_restoresEveryPart(@TempDir Path out) throws IOException {
        CheckpointStore store = new CheckpointStore(out, 3);
        assertEquals(Optional.empty(), store.latestOrEmpty());
        Checkpoint saved = checkpoint(5);
        Path dir = store.save(saved);
        assertEquals(out.resolve("checkpoints/iter-5"), dir);
        Checkpoint loaded = store.latestOrEmpty().orElseThrow();
        assertEquals(saved, loaded);
        assertArrayEquals(new int[] {4, 5}, loaded.replay().get(0).responseTokens());
        assertEquals(FinishReason.EOS, loaded.replay().get(1).finishReason());
        assertEquals(0.75, loaded.replay().get(1).reward());
        assertEquals(1L, loaded.replay().get(1).segments().get(0).policyVersion() - 4L);
        assertArrayEquals(new double[] {3, 8}, loaded.samplerStats().get("p-1"));
        assertEquals(17, loaded.optimizer().step());
        assertEquals(new PolicyVersion(5), loaded.reference().orElseThrow().version());
    }

    @Test
    void withoutReference_roundTripsEmpty(@TempDir Path out) throws IOException {
        Checkpoint c = checkpoint(0);
        Checkpoint noRef = new Checkpoint(0, c.weights(), c.optimizer(), List.of(), Map.of(), new long[0], Optional.empty());
        CheckpointStore store = new CheckpointStore(out, 1);
        store.save(noRef);
        assertEquals(noRef, store.load(0));
    }

    @Test
    void everyImmutableCollectionShape_roundTrips(@TempDir Path out) throws IOException {
        Checkpoint c = checkpoint(4);
        List<Trajectory> many = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            many.addAll(c.replay());
        }
        Checkpoint shaped = new Checkpoint(4, c.weights(), new OptimizerState(Map.of("w", new float[] {1f}), 1), many,
                Map.of("only", new double[] {1.5}), new long[] {9}, Optional.empty());
        CheckpointStore store = new CheckpointStore(out, 1);
        store.save(shaped);
        assertEquals(shaped, store.load(4));
    }

    @Test
    void corruptPayload_isRefusedNamingTheFile(@TempDir Path out) throws IOException {
        CheckpointStore store = new CheckpointStore(out, 3);
        store.save(checkpoint(2));
        Path file = out.resolve("checkpoints/iter-2/trainer.bin");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(file, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, store::latestOrEmpty);
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith("checkpoint " + file + " is corrupt: payload checksum"), e.getMessage());
    }

    @Test
    void aDamagedNewestCheckpoint_isReportedInOneLine_andThePreviousIntactOneIsUsed(@TempDir Path out)
            throws IOException {
        CheckpointStore store = new CheckpointStore(out, 3);
        store.save(checkpoint(2));
        store.save(checkpoint(4));
        Path file = out.resolve("checkpoints/iter-4/trainer.bin");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(file, bytes);
        java.util.List<String> lines = new java.util.ArrayList<>();
        assertEquals(2, store.newestIntact(lines::add).orElseThrow().iteration());
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("checkpoint " + file + " is corrupt: payload checksum")
                && lines.get(0).endsWith("; trying the one before") && !lines.get(0).contains("\n"), lines.get(0));
        // None intact: one exception naming the damaged ones.
        Path older = out.resolve("checkpoints/iter-2/trainer.bin");
        Files.write(older, new byte[] {1, 2, 3});
        CheckpointException e = assertThrows(CheckpointException.class, () -> store.newestIntact(lines::add));
        assertTrue(e.getMessage().endsWith("holds no intact checkpoint (damaged: iter-2)"), e.getMessage());
        assertEquals(java.util.Optional.empty(), new CheckpointStore(out.resolve("none"), 3).newestIntact(lines::add));
    }

    @Test
    void truncatedFile_isRefusedNamingTheFile(@TempDir Path out) throws IOException {
        CheckpointStore store = new CheckpointStore(out, 3);
        store.save(checkpoint(2));
        Path file = out.resolve("checkpoints/iter-2/trainer.bin");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        CheckpointException e = assertThrows(CheckpointException.class, () -> store.load(2));
        assertTrue(e.getMessage().contains(file + " is truncated: header announces"), e.getMessage());
        Files.write(file, java.util.Arrays.copyOf(bytes, 10));
        e = assertThrows(CheckpointException.class, () -> store.load(2));
        assertTrue(e.getMessage().contains("is truncated: 10 bytes"), e.getMessage());
    }

    @Test
    void tamperedWeightsWithAValidFrameAndManifest_failTheWeightsChecksum(@TempDir Path out) throws IOException {
        CheckpointStore store = new CheckpointStore(out, 1);
        Checkpoint c = checkpoint(3);
        store.save(c);
        byte[] payload = CheckpointCodec.encode(new Parts.TrainerPart(c.weights(), c.optimizer(), c.reference()));
        // 1234.5f is the first weight value, written as its IEEE bits (Kryo 5: little-endian).
        byte[] needle = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(1234.5f).array();
        int at = indexOf(payload, needle);
        assertTrue(at >= 0, "weight value not found in the payload");
        payload[at] ^= 0x01;
        Path dir = out.resolve("checkpoints/iter-3");
        Path file = dir.resolve("trainer.bin");
        Files.write(file, CheckpointFile.frame(3, payload));
        // A manifest that vouches for the tampered file: only the weights' own checksum is left to catch it.
        Parts.Manifest m = CheckpointFile.read(dir.resolve("manifest.bin"), 3, Parts.Manifest.class);
        List<Parts.Entry> entries = m.parts().stream().map(e -> e.part().equals("trainer")
                ? new Parts.Entry("trainer", payload.length, CheckpointFile.checksum(payload)) : e).toList();
        Files.write(dir.resolve("manifest.bin"), CheckpointFile.frame(3,
                CheckpointCodec.encode(new Parts.Manifest(3, entries))));
        CheckpointException e = assertThrows(CheckpointException.class, () -> store.load(3));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("are corrupt: checksum"),
                e.getMessage());
    }

    @Test
    void aPartRewrittenAfterTheCommit_doesNotMatchItsManifest(@TempDir Path out) throws IOException {
        CheckpointStore store = new CheckpointStore(out, 1);
        store.save(checkpoint(3));
        Path file = out.resolve("checkpoints/iter-3/replay.bin");
        Files.write(file, CheckpointFile.frame(3, CheckpointCodec.encode(new Parts.ReplayPart(List.of()))));
        CheckpointException e = assertThrows(CheckpointException.class, () -> store.load(3));
        assertTrue(e.getMessage().contains(file + " does not match its manifest entry"), e.getMessage());
    }

    @Test
    void aCheckpointWithoutManifest_isIncomplete_reportedAndSkipped(@TempDir Path out) throws IOException {
        CheckpointStore store = new CheckpointStore(out, 3);
        store.save(checkpoint(2));
        store.save(checkpoint(4));
        Files.delete(out.resolve("checkpoints/iter-4/manifest.bin"));
        Files.writeString(out.resolve("checkpoints/latest"), "iter-2\n");
        java.util.List<String> lines = new java.util.ArrayList<>();
        assertEquals(2, store.newestIntact(lines::add).orElseThrow().iteration());
        assertEquals(List.of(2), store.iterations());
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("iter-4 is incomplete (no manifest"), lines.get(0));
    }

    @Test
    void theCommit_refusesAPartThatIsNotWhereItsWriterSaid(@TempDir Path out) throws IOException {
        CheckpointStore writer = CheckpointStore.at(out.resolve("node-a"), 2);
        CheckpointStore master = CheckpointStore.at(out.resolve("node-b"), 2);
        Checkpoint c = checkpoint(1);
        var written = writer.writeTrainer(1, new dev.tributary.actors.trainer.Trainer.Snapshot(c.weights(),
                c.optimizer().moments(), c.optimizer().step()));
        CheckpointException e = assertThrows(CheckpointException.class, () -> master.commit(
                new dev.tributary.actors.master.Checkpointer.RunState(1, c.weights().version(), Map.of()),
                new long[] {5}, List.of(written)));
        assertTrue(e.getMessage().contains("was reported written by the trainer role but is not there: is "
                + "tributary.run.checkpoint-dir"), e.getMessage());
    }

    @Test
    void crashBeforeRename_leavesThePreviousLatestValid(@TempDir Path out) throws IOException {
        new CheckpointStore(out, 3).save(checkpoint(1));
        CheckpointStore crashing = new CheckpointStore(out, 3, stage -> {
            if (stage.equals("written-before-rename")) {
                throw new IOException("simulated crash at " + stage);
            }
        });
        assertThrows(IOException.class, () -> crashing.save(checkpoint(2)));
        CheckpointStore afterRestart = new CheckpointStore(out, 3);
        assertEquals(checkpoint(1), afterRestart.latestOrEmpty().orElseThrow());
        assertEquals(List.of(1), afterRestart.iterations());
        afterRestart.save(checkpoint(2));
        try (var s = Files.list(out.resolve("checkpoints"))) {
            assertEquals(List.of("iter-1", "iter-2", "latest"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "the crashed save's temporary directory is cleaned up");
        }
    }

    @Test
    void crashBeforePointerUpdate_keepsThePreviousLatest(@TempDir Path out) throws IOException {
        new CheckpointStore(out, 3).save(checkpoint(1));
        CheckpointStore crashing = new CheckpointStore(out, 3, stage -> {
            if (stage.equals("renamed-before-latest")) {
                throw new IOException("simulated crash at " + stage);
            }
        });
        assertThrows(IOException.class, () -> crashing.save(checkpoint(2)));
        assertEquals(1, new CheckpointStore(out, 3).latestOrEmpty().orElseThrow().iteration());
    }

    @Test
    void retention_keepsTheNewestAndDropsAnAbandonedFuture(@TempDir Path out) throws IOException {
        CheckpointStore store = new CheckpointStore(out, 2);
        for (int i = 0; i <= 8; i += 2) {
            store.save(checkpoint(i));
        }
        assertEquals(List.of(6, 8), store.iterations());
        // Resumed from 6 and saved 7: the old 8 belongs to the abandoned run.
        store.save(checkpoint(7));
        assertEquals(List.of(6, 7), store.iterations());
        assertEquals(7, store.latestOrEmpty().orElseThrow().iteration());
        Checkpoint again = checkpoint(7);
        store.save(new Checkpoint(7, weights(99, 2f), again.optimizer(), again.replay(), again.samplerStats(),
                again.randomState(), again.reference()));
        assertNotEquals(again, store.load(7), "saving an iteration again replaces it");
        assertEquals(new PolicyVersion(99), store.load(7).weights().version());
    }

    @Test
    void badPointer_isRefused(@TempDir Path out) throws IOException {
        CheckpointStore store = new CheckpointStore(out, 2);
        store.save(checkpoint(0));
        Files.writeString(out.resolve("checkpoints/latest"), "yesterday");
        CheckpointException e = assertThrows(CheckpointException.class, store::latestOrEmpty);
        assertTrue(e.getMessage().contains("latest names 'yesterday'; expected iter-<N>"), e.getMessage());
        Files.writeString(out.resolve("checkpoints/latest"), "iter-9");
        e = assertThrows(CheckpointException.class, store::latestOrEmpty);
        assertTrue(e.getMessage().endsWith("iter-9/manifest.bin does not exist: checkpoint iter-9 is incomplete"),
                e.getMessage());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
