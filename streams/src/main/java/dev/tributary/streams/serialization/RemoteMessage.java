package dev.tributary.streams.serialization;

/**
 * Marks the messages that may cross nodes: bound to the Kryo serializer in this module's reference.conf, so every
 * implementation must be registered with a stable id by its module's {@link KryoRegistrar}. Messages an actor only
 * sends itself (piped futures) are local by construction and implement
 * {@code org.apache.pekko.actor.NoSerializationVerificationNeeded} instead.
 */
public interface RemoteMessage {
}
