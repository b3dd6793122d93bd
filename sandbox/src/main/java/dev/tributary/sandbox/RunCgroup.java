package dev.tributary.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One run's cgroups: limits, accounting, and killing every member whatever it did (setsid, double fork). */
final class RunCgroup implements AutoCloseable {

    private static final long CPU_PERIOD_US = 100_000;

    private final Map<String, Path> dirs;
    private final Path unified;

    RunCgroup(Map<String, Path> dirs, Path unified) {
        this.dirs = dirs;
        this.unified = unified;
    }

    void limit(long memoryBytes, int maxTasks, double cpuCores) throws IOException {
        Path mem = dirs.get("memory");
        write(mem.resolve("memory.limit_in_bytes"), Long.toString(memoryBytes));
        // memsw must be raised after the plain limit; equal values forbid swapping past the limit
        Path memsw = mem.resolve("memory.memsw.limit_in_bytes");
        if (Files.exists(memsw)) {
            write(memsw, Long.toString(memoryBytes));
        }
        write(dirs.get("pids").resolve("pids.max"), Integer.toString(maxTasks));
        Path cpu = dirs.get("cpu");
        write(cpu.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_US));
        write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(Math.max(1000, (long) (cpuCores * CPU_PERIOD_US))));
    }

    /** The files the launcher writes its own pid into before it execs the sandbox. */
    List<Path> procsFiles() {
        List<Path> files = new ArrayList<>();
        for (Path d : dirs.values()) {
            files.add(d.resolve("cgroup.procs"));
        }
        if (unified != null) {
            files.add(unified.resolve("cgroup.procs"));
        }
        return files;
    }

    long cpuNanos() {
        return readLong(dirs.get("cpuacct").resolve("cpuacct.usage"));
    }

    long peakMemoryBytes() {
        return readLong(dirs.get("memory").resolve("memory.max_usage_in_bytes"));
    }

    long memoryLimitBytes() {
        return readLong(dirs.get("memory").resolve("memory.limit_in_bytes"));
    }

    /** Whether the kernel's OOM killer fired inside this group. */
    boolean oomKilled() {
        try {
            for (String line : Files.readAllLines(dirs.get("memory").resolve("memory.oom_control"))) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring(9).trim()) > 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }

    /** Whether the pids cap refused a fork at least once. */
    boolean pidsCapHit() {
        try {
            String events = Files.readString(dirs.get("pids").resolve("pids.events")).trim();
            return !events.endsWith(" 0");
        } catch (IOException e) {
            return false;
        }
    }

    List<Long> members() {
        List<Long> pids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(dirs.get("pids").resolve("cgroup.procs"))) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.trim()));
                }
            }
        } catch (IOException e) {
            return pids;
        }
        return pids;
    }

    /** Kills every member and waits until the group is empty; false if members remain after the timeout. */
    boolean killAll(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean atomic = false;
        if (unified != null) {
            try {
                write(unified.resolve("cgroup.kill"), "1");
                atomic = true;
            } catch (IOException e) {
                atomic = false; // kernel without cgroup.kill: signal members one by one below
            }
        }
        while (true) {
            List<Long> left = members();
            if (left.isEmpty()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            if (!atomic) {
                // a member may fork between reading and killing; the loop repeats until none remain
                left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            }
            sleepQuietly(2);
        }
    }

    @Override
    public void close() {
        for (Path d : dirs.values()) {
            removeDir(d);
        }
        if (unified != null) {
            removeDir(unified);
        }
    }

    private static void removeDir(Path d) {
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                Files.deleteIfExists(d);
                return;
            } catch (IOException e) {
                sleepQuietly(2); // EBUSY while the kernel finishes reaping the last member
            }
        }
    }

    private static void write(Path file, String value) throws IOException {
        Files.write(file, value.getBytes(StandardCharsets.US_ASCII));
    }

    private static long readLong(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
