/**
 * Weight broadcast from the trainer node to rollout nodes.
 *
 * <p>A {@link dev.tributary.streams.weights.WeightPublisher} on the trainer holds the latest published
 * {@code FlatWeights}, cut once into chunks ({@link dev.tributary.streams.weights.WeightChunks}): plain Pekko
 * {@code ByteString}s, each with a header (version, layout fingerprint, index, count, offset, length) and a CRC32C,
 * sized below Artery's frame limit, which otherwise drops an oversized message with only a log line. A
 * {@link dev.tributary.streams.weights.WeightFetch} on a rollout node sends a request to the publisher's endpoint and
 * gets back a {@code SourceRef} of one transfer: a manifest (transfer id, whole-vector checksum, layout), then the
 * chunks, pulled with back-pressure into a fresh buffer by a {@code WeightAssembler} that checks every chunk and
 * the whole. Any refusal (corrupt, missing or duplicate chunk, wrong layout, a stream that fails, stalls or ends
 * early, no offer) fetches the whole transfer again, a bounded number of times. Control messages are ByteStrings
 * too, with refs in Pekko's own string form, so nothing here needs a custom serializer or Java serialization.
 */
package dev.tributary.streams.weights;
