package dev.tributary.runtime.internal.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint that cannot be used: missing, truncated, corrupt or of another format. The message names the file. */
public final class CheckpointException extends IOException {
    private final Path file;

    CheckpointException(Path file, String problem) {
        super("checkpoint " + file + " " + problem);
        this.file = file;
    }

    CheckpointException(Path file, String problem, Throwable cause) {
        super("checkpoint " + file + " " + problem, cause);
        this.file = file;
    }

    /** The file that was refused. */
    public Path file() {
        return file;
    }
}
