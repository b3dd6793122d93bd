package dev.tributary.streams.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.weights.FlatWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The data plane's framing: a transfer's bytes cut into pieces at arbitrary places (inside headers, inside floats,
 * several elements in one piece) come out as the same elements, slices of the pieces, which assemble into the same
 * weights.
 */
class DataPlaneFramingTest {
    private static final ActorTestKit KIT = ActorTestKit.create("framing");
    private final FlatWeights weights = TestWeights.weights(5, 30_001, 21);

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    /** {@code bytes} in pieces of 1 to {@code maxPiece} bytes, sizes drawn from {@code seed}. */
    private static List<ByteString> pieces(ByteString bytes, int maxPiece, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<ByteString> out = new ArrayList<>();
        for (int at = 0; at < bytes.size(); ) {
            int n = Math.min(bytes.size() - at, 1 + random.nextInt(maxPiece));
            out.add(ByteString.fromArray(bytes.slice(at, at + n).toArray())); // each piece an array of its own
            at += n;
        }
        return out;
    }

    private List<ByteString> frame(List<ByteString> pieces, int maxElement) throws Exception {
        return Source.from(pieces).via(ChunkCodec.framing(maxElement)).runWith(Sink.seq(), KIT.system())
                .toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void elementsCutAnywhere_comeOutWhole_andAssembleIntoTheSameWeights() throws Exception {
        List<ByteString> elements = TestWeights.elements(weights, 4096, 7); // 30 data chunks, the last one short
        ByteString stream = elements.stream().reduce(ByteString.emptyByteString(), ByteString::concat);
        for (int maxPiece : new int[] {7, 37, 1000, 9000, 200_000}) {
            List<ByteString> framed = frame(pieces(stream, maxPiece, maxPiece), 1 << 20);
            assertEquals(elements, framed, "pieces of up to " + maxPiece + " bytes");
            WeightAssembler assembler = new WeightAssembler(7, weights.version(), weights.layout());
            for (int i = 0; i < framed.size(); i++) {
                assembler.accept(assembler.check(framed.get(i), i));
            }
            assertEquals(weights, assembler.finish());
        }
    }

    @Test
    void aStreamEndingInsideAnElement_dropsItsBytes_andTheTransferIsIncomplete() throws Exception {
        List<ByteString> elements = TestWeights.elements(weights, 4096, 7);
        ByteString stream = elements.stream().limit(4).reduce(ByteString.emptyByteString(), ByteString::concat);
        List<ByteString> framed = frame(pieces(stream.take(stream.size() - 100), 500, 1), 1 << 20);
        assertEquals(elements.subList(0, 3), framed);
        WeightAssembler assembler = new WeightAssembler(7, weights.version(), weights.layout());
        framed.forEach(assembler::accept);
        TransferRefusedException e = assertThrows(TransferRefusedException.class, assembler::finish);
        assertTrue(e.getMessage().contains("the stream ended early: incomplete after 2 of 30 chunks"), e.getMessage());
    }

    @Test
    void anElementLongerThanTheLimit_failsTheStream() {
        List<ByteString> elements = TestWeights.elements(weights, 4096, 7);
        ExecutionException e = assertThrows(ExecutionException.class, () -> frame(elements, 1024));
        assertEquals("an element declares a 4096-byte payload; at most 983 are taken", e.getCause().getMessage());
    }
}
