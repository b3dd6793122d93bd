package dev.tributary.streams.weights;

/** A weight transfer that did not arrive whole and intact; the message names what was wrong. */
public final class TransferRefusedException extends RuntimeException {
    public TransferRefusedException(String message) {
        super(message);
    }

    public TransferRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
