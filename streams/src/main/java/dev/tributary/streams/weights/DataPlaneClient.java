package dev.tributary.streams.weights;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

/**
 * The fetcher's end of one data-plane transfer: a Pekko Streams TCP connection to the address an offer names, which
 * claims the offered transfer and feeds what comes back to a {@link WeightAssembler} in two overlapping stages
 * (each an island of its own, on its own thread when there are cores for it): receiving (the connection and the
 * framing that cuts the bytes back into elements), then checking and importing (each element's CRC32C, an abort
 * element turned into a failure, the assembler's order and layout checks and the copy into the fresh buffer). Checking
 * and importing were two stages; one fewer hand-off between threads per element cost less CPU than the overlap
 * gained (the CRC is about 1% of a transfer's CPU). TCP paces the sender by what the receiver has taken. The completion stage completes once every element is imported
 * and the connection has ended, or fails with the first refusal, the connection's failure or its stall.
 */
final class DataPlaneClient {
    private DataPlaneClient() {
    }

    static Pair<UniqueKillSwitch, CompletionStage<Done>> start(ActorSystem<?> system, WireProtocol.DataPlaneOffer offer,
            WeightAssembler assembler, WeightSyncSettings settings) {
        // Whatever chunk size the publisher uses (its settings may differ from these), up to the largest allowed.
        int maxElement = (int) Math.max(WeightSyncSettings.frameLimit(system.settings().config()),
                (long) WeightSyncSettings.MAX_DATA_PLANE_CHUNK_BYTES + ChunkCodec.OVERHEAD_BYTES);
        Checker checker = new Checker(assembler);
        // The claim, then nothing until the transfer has ended: completing this side then closes the connection.
        // (With a side that never completes, the connection stayed open after the publisher closed its end, in
        // CLOSE-WAIT, and kept the stream and its assembler, a whole weight vector, until the idle timeout.)
        Pair<Pair<CompletableFuture<Optional<ByteString>>, UniqueKillSwitch>, CompletionStage<Done>> run =
                Source.single(ChunkCodec.encodeClaim(offer.transferId()))
                .concatMat(Source.<ByteString>maybe(), Keep.right())
                .via(Tcp.get(system).outgoingConnection(InetSocketAddress.createUnresolved(offer.host(), offer.port()),
                        Optional.empty(), List.of(), /* halfClose= */ false, Optional.of(settings.offerTimeout()),
                        Optional.empty()))
                .via(ChunkCodec.framing(maxElement))
                .idleTimeout(settings.idleTimeout())
                .async()
                .map(checker::check)
                .viaMat(KillSwitches.single(), Keep.both())
                .toMat(Sink.foreach(assembler::accept), Keep.both())
                .run(system);
        CompletableFuture<Optional<ByteString>> claimSide = run.first().first();
        run.second().whenComplete((done, failure) -> claimSide.complete(Optional.empty()));
        return Pair.create(run.first().second(), run.second());
    }

    /** The checking stage: one element after another, counting their places; an abort ends the transfer. */
    private static final class Checker {
        private final WeightAssembler assembler;
        private long position;

        Checker(WeightAssembler assembler) {
            this.assembler = assembler;
        }

        ChunkCodec.Element check(ByteString frame) {
            ChunkCodec.Element e = assembler.check(frame, position++);
            if (e.header().kind() == ChunkCodec.ABORT) {
                throw new IllegalStateException("the sender failed: " + ChunkCodec.abortReason(e));
            }
            return e;
        }
    }
}
