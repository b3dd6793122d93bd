package dev.tributary.sandbox;

import java.time.Duration;

/**
 * Resource limits of one run. Memory, processes and CPU are enforced by the run's cgroup where the
 * tier has one; the file-size limit by RLIMIT_FSIZE (512-byte granularity); output by the harness.
 *
 * @param wallTime     wall-clock limit, after which the run is killed with status TIMEOUT
 * @param cpuTime      CPU-time limit over all the run's processes, status TIMEOUT when exceeded
 * @param memoryBytes  memory limit of the run's cgroup (for Java: the heap, plus a JVM allowance)
 * @param processes    maximum number of tasks (processes and threads) alive at once
 * @param outputBytes  cap for stdout and for stderr each; exceeding it kills the run (OUTPUT_LIMIT)
 * @param fileSizeBytes largest file the program may write, and the size of its scratch tmpfs
 */
public record Limits(Duration wallTime, Duration cpuTime, long memoryBytes, int processes,
                     int outputBytes, long fileSizeBytes) {

    public static final long MIB = 1024L * 1024L;

    public Limits {
        if (wallTime == null || wallTime.isNegative() || wallTime.isZero()) {
            throw new IllegalArgumentException("wall time " + wallTime + " must be > 0");
        }
        if (cpuTime == null || cpuTime.isNegative() || cpuTime.isZero()) {
            throw new IllegalArgumentException("cpu time " + cpuTime + " must be > 0");
        }
        if (memoryBytes < 8 * MIB) {
            throw new IllegalArgumentException("memory " + memoryBytes + " bytes must be >= 8 MiB");
        }
        if (processes < 1) {
            throw new IllegalArgumentException("processes " + processes + " must be >= 1");
        }
        if (outputBytes < 1) {
            throw new IllegalArgumentException("output bytes " + outputBytes + " must be >= 1");
        }
        if (fileSizeBytes < 512) {
            throw new IllegalArgumentException("file size " + fileSizeBytes + " bytes must be >= 512");
        }
    }

    /** Limits suited to small competitive-programming solutions. */
    public static Limits defaults() {
        return new Limits(Duration.ofSeconds(5), Duration.ofSeconds(4), 256 * MIB,
                /* processes= */ 32, /* outputBytes= */ 1 << 20, /* fileSizeBytes= */ 16 * MIB);
    }

    public Limits withWallTime(Duration d) {
        return new Limits(d, cpuTime, memoryBytes, processes, outputBytes, fileSizeBytes);
    }

    public Limits withCpuTime(Duration d) {
        return new Limits(wallTime, d, memoryBytes, processes, outputBytes, fileSizeBytes);
    }

    public Limits withMemoryBytes(long bytes) {
        return new Limits(wallTime, cpuTime, bytes, processes, outputBytes, fileSizeBytes);
    }

    public Limits withProcesses(int n) {
        return new Limits(wallTime, cpuTime, memoryBytes, n, outputBytes, fileSizeBytes);
    }

    public Limits withOutputBytes(int bytes) {
        return new Limits(wallTime, cpuTime, memoryBytes, processes, bytes, fileSizeBytes);
    }

    public Limits withFileSizeBytes(long bytes) {
        return new Limits(wallTime, cpuTime, memoryBytes, processes, outputBytes, bytes);
    }
}
