package dev.tributary.actors.checkpoint;

import dev.tributary.model.PolicyVersion;
import dev.tributary.streams.serialization.RemoteMessage;

/** A role's answer to "write (or load) your part of checkpoint N". */
public sealed interface PartReply extends RemoteMessage {
    /** The part's name ({@code trainer}, {@code replay}). */
    String part();

    int iteration();

    /**
     * The part is on disk: {@code bytes} long with CRC32C {@code checksum} over its payload (the master checks the
     * file against both before it commits), written in {@code seconds}.
     */
    record Written(String part, int iteration, long bytes, long checksum, double seconds) implements PartReply {
    }

    /** The part is loaded; the trainer's {@code version} is the checkpoint's (the replay buffer answers its own). */
    record Loaded(String part, int iteration, PolicyVersion version) implements PartReply {
    }

    /** Writing or loading the part failed; {@code reason} says why in one line. */
    record Failed(String part, int iteration, String reason) implements PartReply {
    }
}
