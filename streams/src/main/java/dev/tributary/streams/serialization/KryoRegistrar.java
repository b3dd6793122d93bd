package dev.tributary.streams.serialization;

/**
 * One module's part of the wire format: the classes it sends between nodes, each under a stable id. Implementations
 * have a public no-argument constructor and are listed by class name in {@code tributary.serialization.registrars}
 * (each module appends its own with {@code +=} in its {@code reference.conf}); every node must list the same ones.
 *
 * <p>Ids are the format: never reuse or renumber one, append new classes with new ids in the module's range
 * (see {@link dev.tributary.streams.serialization}).
 */
@FunctionalInterface
public interface KryoRegistrar {
    void register(Registrations registrations);
}
