package dev.tributary.streams.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.stream.SinkRef;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.StreamRefResolver;

/**
 * Actor and stream refs as the strings of Pekko's resolvers, resolved against the receiving system. Every concrete
 * class (local, remote, message-adapter and system refs) is covered by registering the interface as a hierarchy.
 * The resolvers are looked up per call, not in the constructor: serializers are created while the serialization
 * extension itself starts, before those extensions may be used.
 */
final class RefSerializers {
    private RefSerializers() {
    }

    static final class TypedActorRef extends Serializer<ActorRef<?>> {
        private final ExtendedActorSystem system;

        TypedActorRef(ExtendedActorSystem system) {
            this.system = system;
        }

        private ActorRefResolver resolver() {
            return ActorRefResolver.get(Adapter.toTyped(system));
        }

        @Override
        public void write(Kryo kryo, Output output, ActorRef<?> ref) {
            output.writeString(resolver().toSerializationFormat(ref));
        }

        @Override
        public ActorRef<?> read(Kryo kryo, Input input, Class<? extends ActorRef<?>> type) {
            return resolver().resolveActorRef(input.readString());
        }
    }

    static final class ClassicActorRef extends Serializer<org.apache.pekko.actor.ActorRef> {
        private final ExtendedActorSystem system;

        ClassicActorRef(ExtendedActorSystem system) {
            this.system = system;
        }

        @Override
        public void write(Kryo kryo, Output output, org.apache.pekko.actor.ActorRef ref) {
            output.writeString(Serialization.serializedActorPath(ref));
        }

        @Override
        public org.apache.pekko.actor.ActorRef read(Kryo kryo, Input input,
                                                    Class<? extends org.apache.pekko.actor.ActorRef> type) {
            return system.provider().resolveActorRef(input.readString());
        }
    }

    static final class SourceRefs extends Serializer<SourceRef<?>> {
        private final ExtendedActorSystem system;

        SourceRefs(ExtendedActorSystem system) {
            this.system = system;
        }

        @Override
        public void write(Kryo kryo, Output output, SourceRef<?> ref) {
            output.writeString(StreamRefResolver.get(system).toSerializationFormat(ref));
        }

        @Override
        public SourceRef<?> read(Kryo kryo, Input input, Class<? extends SourceRef<?>> type) {
            return StreamRefResolver.get(system).resolveSourceRef(input.readString());
        }
    }

    static final class SinkRefs extends Serializer<SinkRef<?>> {
        private final ExtendedActorSystem system;

        SinkRefs(ExtendedActorSystem system) {
            this.system = system;
        }

        @Override
        public void write(Kryo kryo, Output output, SinkRef<?> ref) {
            output.writeString(StreamRefResolver.get(system).toSerializationFormat(ref));
        }

        @Override
        public SinkRef<?> read(Kryo kryo, Input input, Class<? extends SinkRef<?>> type) {
            return StreamRefResolver.get(system).resolveSinkRef(input.readString());
        }
    }
}
