/**
 * Weight broadcast from the trainer node to rollout nodes.
 *
 * <p>A {@link dev.tributary.streams.weights.WeightPublisher} on the trainer holds the latest published
 * {@code FlatWeights}, cut once into chunks ({@link dev.tributary.streams.weights.WeightChunks}): plain Pekko
 * {@code ByteString}s, each with a header (version, layout fingerprint, index, count, offset, length) and a CRC32C,
 * sized below Artery's frame limit, which otherwise drops an oversized message with only a log line. A
 * {@link dev.tributary.streams.weights.WeightFetch} on a rollout node starts, per attempt, a receiver of its own that
 * sends a request with a window of credit to the publisher's endpoint; the publisher starts a sender for that
 * transfer, which tells the receiver a manifest (transfer id, whole-vector checksum, layout) and then the chunks as
 * plain messages, never more than the receiver has granted; the receiver checks each into a fresh buffer through a
 * {@code WeightAssembler} and grants more credit as it goes. The whole is checked against the manifest's checksum.
 * Any refusal (corrupt, missing or duplicate chunk, wrong layout, a sender that fails, stalls or ends early, no
 * offer) cancels the sender and fetches the whole transfer again with a new receiver, so nothing still on its way
 * from the refused attempt reaches the next, a bounded number of times. Control messages are ByteStrings too, with
 * refs in Pekko's own string form, so nothing here needs a custom serializer or Java serialization.
 *
 * <p>By default ({@code tributary.streams.weights.transport = tcp}) the bulk bytes leave Artery: the request asks
 * for the data plane, the publisher's node listens on a port of its own ({@link
 * dev.tributary.streams.weights.DataPlaneServer}, Pekko Streams TCP) and names it in its offer, and the receiver
 * opens a connection there ({@link dev.tributary.streams.weights.DataPlaneClient}) that claims the transfer and
 * takes the same elements (in larger chunks, {@code data-plane.chunk-size}), paced by TCP, through overlapping
 * stages: receiving and framing, checking each CRC32C, importing into the fresh buffer. Every check and refusal
 * above holds there too; a receiver that cannot reach the data plane at all takes the remaining attempts over
 * Artery, and a publisher that cannot listen serves every request over Artery, each saying so once.
 *
 * <p>The receivers live at {@code /system/weight-fetch-<n>/fetch/transfer-<attempt>} when started by
 * {@link dev.tributary.streams.weights.WeightFetch#fetch}. Listing {@code "/system/*}{@code /fetch/*"} in
 * {@code pekko.remote.artery.large-message-destinations} on every node moves the chunks onto Artery's large-message
 * lane (a connection of their own, so a broadcast does not delay other messages between two nodes); chunks must then
 * also fit {@code maximum-large-frame-size}, which {@link dev.tributary.streams.weights.WeightSyncSettings#frameLimit}
 * takes into account.
 */
package dev.tributary.streams.weights;
