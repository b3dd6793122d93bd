package dev.tributary.sandbox;

/** The pool's queue is full: the submission was refused, not dropped. Retry later or add capacity. */
public final class SandboxBusyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SandboxBusyException(String message) {
        super(message);
    }
}
