package dev.tributary.streams.serialization;

import dev.tributary.model.Trajectory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.SinkRef;
import org.apache.pekko.stream.SourceRef;

/** Marker of the test messages; test configs bind it to {@code tributary-kryo}. */
interface KryoTestMessage {
    record Ping(String text, Trajectory payload, ActorRef<Pong> replyTo) implements KryoTestMessage {
    }

    record Pong(String text, Trajectory payload) implements KryoTestMessage {
    }

    /** Any value in a field of static type Object: written with its class id. */
    record Holder(Object value) implements KryoTestMessage {
    }

    record OfferSource(SourceRef<Integer> source) implements KryoTestMessage {
    }

    record OfferSink(SinkRef<Integer> sink) implements KryoTestMessage {
    }

    record StreamRequest(int count, ActorRef<OfferSource> replyTo) implements KryoTestMessage {
    }

    /** Bound to the serializer by the marker but never registered. */
    record NotRegistered(int x) implements KryoTestMessage {
    }

    /** Ids 1000-1099: test messages (1000 and up is outside the repository's ranges). */
    final class Registrar implements KryoRegistrar {
        static final String CONFIG = """
                tributary.serialization.registrars += "dev.tributary.streams.serialization.KryoTestMessage$Registrar"
                pekko.actor.serialization-bindings {
                  "dev.tributary.streams.serialization.KryoTestMessage" = tributary-kryo
                }
                """;

        @Override
        public void register(Registrations r) {
            r.add(1000, Ping.class);
            r.add(1001, Pong.class);
            r.add(1002, Holder.class);
            r.add(1003, OfferSource.class);
            r.add(1004, OfferSink.class);
            r.add(1005, StreamRequest.class);
        }
    }
}
