package dev.tributary.streams.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

class WeightAssemblerTest {
    private static final int VALUES = 10_000; // 40,000 bytes: 9 full 4 KiB chunks and a short tenth
    private static final int CHUNK = 4096;
    private static final long TRANSFER = 42;
    private final FlatWeights weights = TestWeights.weights(3, VALUES, 1);

    private WeightAssembler assembler() {
        return new WeightAssembler(TRANSFER, weights.version(), weights.layout());
    }

    private List<ByteString> elements() {
        return new ArrayList<>(TestWeights.elements(weights, CHUNK, TRANSFER));
    }

    private TransferRefusedException refusal(List<ByteString> elements) {
        WeightAssembler a = assembler();
        return assertThrows(TransferRefusedException.class, () -> {
            elements.forEach(a::accept);
            a.finish();
        });
    }

    @Test
    void completeTransfer_assemblesEqualWeights() {
        List<ByteString> elements = elements();
        assertEquals(11, elements.size(), "manifest + 10 chunks");
        WeightAssembler a = assembler();
        elements.forEach(a::accept);
        FlatWeights got = a.finish();
        assertEquals(weights, got);
        assertEquals(weights.checksum(), got.checksum());
    }

    @Test
    void flippedByte_isRefusedByTheChunkCrc() {
        List<ByteString> elements = elements();
        elements.set(4, TestWeights.flipByte(elements.get(4)));
        String m = refusal(elements).getMessage();
        assertTrue(m.contains("weights v3 (transfer 42) refused: element 4 is corrupt: CRC32C"), m);
    }

    @Test
    void missingChunk_isRefusedNamingIt() {
        List<ByteString> elements = elements();
        elements.remove(3); // data chunk 2
        String m = refusal(elements).getMessage();
        assertTrue(m.contains("missing chunk 2: chunk 3 arrived after 2 of 10 chunks"), m);
    }

    @Test
    void duplicateChunk_isRefusedNamingIt() {
        List<ByteString> elements = elements();
        elements.add(4, elements.get(3));
        String m = refusal(elements).getMessage();
        assertTrue(m.contains("duplicate chunk 2 after 3 of 10 chunks"), m);
    }

    @Test
    void streamEndingEarly_isRefusedAsIncomplete() {
        String m = refusal(elements().subList(0, 7)).getMessage();
        assertTrue(m.contains("the stream ended early: incomplete after 6 of 10 chunks"), m);
    }

    @Test
    void lostManifest_isRefused() {
        List<ByteString> elements = elements();
        elements.remove(0);
        String m = refusal(elements).getMessage();
        assertTrue(m.contains("it began with chunk 0 instead of the manifest"), m);
    }

    @Test
    void wrongLayout_isRefusedNamingTheDifference() {
        WeightAssembler a = new WeightAssembler(TRANSFER, weights.version(), TestWeights.layout(VALUES + 4));
        TransferRefusedException e = assertThrows(TransferRefusedException.class, () -> a.accept(elements().get(0)));
        assertTrue(e.getMessage().contains("wrong layout: entry 0 is embed[5000]@0 where this node expects "
                + "embed[5002]@0"), e.getMessage());
    }

    @Test
    void manifestOfAnotherTransfer_isRefused() {
        List<ByteString> elements = elements();
        elements.set(0, TestWeights.elements(weights, CHUNK, 7).get(0));
        String m = refusal(elements).getMessage();
        assertTrue(m.contains("refused: the manifest belongs to transfer 7"), m);
    }

    @Test
    void chunkOfAnotherVersion_isRefused() {
        FlatWeights older = FlatWeights.of(new PolicyVersion(2), weights.layout(), weights.values());
        List<ByteString> elements = elements();
        elements.set(2, TestWeights.elements(older, CHUNK, TRANSFER).get(2));
        String m = refusal(elements).getMessage();
        assertTrue(m.contains("element 2 carries version v2"), m);
    }

    @Test
    void chunksThatPassTheirCrcButNotTheWholeChecksum_areRefused() {
        // Values changed before encoding: every frame CRC is right, only the manifest's checksum catches it.
        float[] other = weights.values();
        other[VALUES - 1] += 1f;
        List<ByteString> elements = elements();
        Manifest m = Manifest.of(weights, CHUNK);
        int last = m.chunkCount() - 1;
        ChunkCodec.Header h = new ChunkCodec.Header(ChunkCodec.DATA, 3, m.fingerprint(), last,
                m.chunkCount(), (long) last * CHUNK, m.chunkLength(last));
        elements.set(elements.size() - 1, ChunkCodec.encodeData(h, other, last * CHUNK / 4, m.chunkLength(last) / 4));
        String msg = refusal(elements).getMessage();
        assertTrue(msg.contains("refused: whole-vector CRC32C does not match the manifest's: weights v3 are corrupt"),
                msg);
    }

    @Test
    void streamFailure_isRefusedWithProgressAndCause() {
        WeightAssembler a = assembler();
        elements().subList(0, 4).forEach(a::accept);
        String m = a.failed(new IllegalStateException("node lost")).getMessage();
        assertEquals("weights v3 (transfer 42) refused: the stream failed after 3 of 10 chunks: "
                + "java.lang.IllegalStateException: node lost", m);
    }

    @Test
    void manifestCarriesLayoutChecksumAndChunkSize() {
        ChunkCodec.Element e = ChunkCodec.decode(elements().get(0), 0);
        Manifest m = Manifest.decode(e.header().version(), e.payload());
        assertEquals(TRANSFER, Manifest.transferId(e.payload()));
        assertEquals(new Manifest(new PolicyVersion(3), weights.layout(), weights.checksum(), CHUNK), m);
        assertEquals(10, e.header().count());
        assertEquals(Manifest.fingerprint(weights.layout()), e.header().layoutFingerprint());
    }
}
