package dev.tributary.sandbox;

import java.time.Duration;

/**
 * What one run did.
 *
 * @param exitCode       the exit code, or -1 when the program died by a signal or never ran
 * @param signal         the signal that ended the program, or 0
 * @param truncated      whether stdout or stderr was cut at the output limit
 * @param peakMemoryBytes the cgroup's peak memory, or -1 where the tier has no memory cgroup
 * @param detail         a short human-readable reason for a non-OK status, or ""
 */
public record ExecutionResult(Status status, int exitCode, int signal, String stdout, String stderr,
                              boolean truncated, Duration wallTime, Duration cpuTime,
                              long peakMemoryBytes, String detail) {

    /** How a run ended. */
    public enum Status { OK, RUNTIME_ERROR, COMPILE_ERROR, TIMEOUT, MEMORY_LIMIT, OUTPUT_LIMIT, SANDBOX_ERROR }

    public ExecutionResult {
        if (status == null) {
            throw new IllegalArgumentException("status must not be null");
        }
        if (signal < 0) {
            throw new IllegalArgumentException("signal " + signal + " must be >= 0");
        }
        if (stdout == null || stderr == null || wallTime == null || cpuTime == null || detail == null) {
            throw new IllegalArgumentException("stdout, stderr, times and detail must not be null for status " + status);
        }
    }

    public boolean ok() {
        return status == Status.OK;
    }

    static ExecutionResult failed(Status status, String stderr, Duration wall, String detail) {
        return new ExecutionResult(status, -1, 0, "", stderr, false, wall, Duration.ZERO, -1, detail);
    }
}
