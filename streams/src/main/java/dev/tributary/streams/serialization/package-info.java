/**
 * Kryo 5 serialization of every remote message: {@link dev.tributary.streams.serialization.KryoSerializer}, the
 * Pekko serializer, and {@link dev.tributary.streams.serialization.KryoRegistrar}, through which each module
 * registers its classes with stable ids. The ids are the wire format, so they are reserved by module:
 *
 * <table>
 *   <caption>Kryo id ranges</caption>
 *   <tr><th>ids</th><th>owner</th><th>where</th></tr>
 *   <tr><td>0-9</td><td>Kryo itself: primitives, their wrappers, String</td><td>Kryo</td></tr>
 *   <tr><td>10-99</td><td>built in: primitive and String arrays; List, Set, Map (any implementation); typed and
 *       classic ActorRefs, SourceRef, SinkRef; Throwable</td><td>{@code CoreRegistrations}</td></tr>
 *   <tr><td>100-199</td><td>model records</td><td>{@link dev.tributary.streams.serialization.ModelRegistrar}</td></tr>
 *   <tr><td>200-499</td><td>actor protocols</td><td>{@code dev.tributary.actors.serialization.ProtocolRegistrar}</td></tr>
 *   <tr><td>500-599</td><td>streams messages</td><td>a streams registrar, added with them</td></tr>
 *   <tr><td>1000-</td><td>code outside this repository, tests</td><td>its own registrar</td></tr>
 * </table>
 *
 * <p>Records are written component by component (sorted by name) by Kryo's {@code RecordSerializer} and rebuilt
 * through their canonical constructors, so compact-constructor validation and defensive copies run on every read
 * (a {@code FlatWeights} whose values do not match its checksum is refused). Renaming or adding a component changes
 * the format: every node runs the same jar. Declare collection components as {@code List}, {@code Set} or
 * {@code Map} (any implementation is read back as an unmodifiable one) and failures as {@code Throwable} (read back
 * as a {@link dev.tributary.streams.serialization.RemoteFailure}). Nothing here needs {@code --add-opens}: no JDK
 * class is rebuilt field by field.
 */
package dev.tributary.streams.serialization;
