package dev.tributary.sandbox;

/** No isolation tier works on this host, so untrusted code is refused. */
public final class SandboxUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SandboxUnavailableException(String message) {
        super(message);
    }
}
