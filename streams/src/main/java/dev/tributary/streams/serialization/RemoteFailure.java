package dev.tributary.streams.serialization;

import java.util.Objects;

/**
 * A failure that crossed nodes in a message. Exception classes are never instantiated from bytes, so the receiver
 * gets this in place of the original: same message and stack trace, the original class by name, and the cause chain
 * converted the same way.
 */
public final class RemoteFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String originalClassName;

    public RemoteFailure(String originalClassName, String message, Throwable cause) {
        super(message, cause, /* enableSuppression= */ false, /* writableStackTrace= */ true);
        this.originalClassName = Objects.requireNonNull(originalClassName, "original class name");
    }

    /** The class of the failure on the sending node, e.g. {@code java.lang.IllegalStateException}. */
    public String originalClassName() {
        return originalClassName;
    }

    @Override
    public String toString() {
        String m = getMessage();
        return originalClassName + (m == null ? "" : ": " + m) + " (remote)";
    }
}
