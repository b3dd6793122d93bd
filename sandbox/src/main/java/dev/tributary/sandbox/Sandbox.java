package dev.tributary.sandbox;

/**
 * Runs untrusted programs in isolation. Thread-safe; concurrency is bounded by the caller
 * (see {@link SandboxPool}). Creating one detects the isolation tier and refuses to start when no
 * tier isolates network, file system and processes, unless the development flag allows bare runs.
 */
public interface Sandbox extends AutoCloseable {

    /** Runs one program to completion; never throws for anything the program does. */
    ExecutionResult execute(ExecutionRequest request);

    /** The tier every run of this sandbox uses. */
    IsolationTier tier();

    /** One line saying how runs are isolated, as logged at start. */
    String describe();

    @Override
    void close();

    static Sandbox create() {
        return create(SandboxSettings.defaults());
    }

    /** @throws SandboxUnavailableException when no tier works and bare runs are not allowed */
    static Sandbox create(SandboxSettings settings) {
        return ProcessSandbox.start(settings);
    }
}
