package dev.tributary.streams.serialization;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.stream.SinkRef;
import org.apache.pekko.stream.SourceRef;

/**
 * Ids 10-99: what every message may contain, registered before any registrar. Append only; never renumber.
 */
final class CoreRegistrations {
    private CoreRegistrations() {
    }

    static void register(Registrations r, ExtendedActorSystem system) {
        r.add(10, byte[].class);
        r.add(11, int[].class);
        r.add(12, long[].class);
        r.add(13, float[].class);
        r.add(14, double[].class);
        r.add(15, boolean[].class);
        r.add(16, short[].class);
        r.add(17, char[].class);
        r.add(18, String[].class);

        // Any implementation (List.of, ArrayList, Stream.toList, ...) is read back as an unmodifiable copy.
        r.addHierarchy(20, java.util.List.class, new CollectionSerializers.ListSerializer());
        r.addHierarchy(21, java.util.Set.class, new CollectionSerializers.SetSerializer());
        r.addHierarchy(22, java.util.Map.class, new CollectionSerializers.MapSerializer());

        // Refs travel as their resolvers' strings and are resolved on the receiving node.
        r.addHierarchy(30, org.apache.pekko.actor.typed.ActorRef.class, new RefSerializers.TypedActorRef(system));
        r.addHierarchy(31, org.apache.pekko.actor.ActorRef.class, new RefSerializers.ClassicActorRef(system));
        r.addHierarchy(32, SourceRef.class, new RefSerializers.SourceRefs(system));
        r.addHierarchy(33, SinkRef.class, new RefSerializers.SinkRefs(system));

        // A failure crosses as class name, message and stack trace, and arrives as a RemoteFailure.
        r.addHierarchy(40, Throwable.class, new ThrowableSerializer());
    }
}
