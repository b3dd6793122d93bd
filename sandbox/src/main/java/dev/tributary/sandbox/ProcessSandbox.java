package dev.tributary.sandbox;

import dev.tributary.sandbox.ExecutionResult.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The sandbox: prepares a program, starts it through the tier's launcher in a fresh cgroup, watches and reaps it. */
final class ProcessSandbox implements Sandbox {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessSandbox.class);
    private static final int SIGXCPU = 24;
    private static final long POLL_MILLIS = 10;

    private final SandboxSettings settings;
    private final Launcher launcher;
    private final Cgroups cgroups; // null where the host gives us none
    private final ExecutorService io;
    private final Programs programs;
    private final String description;
    private final AtomicLong runs = new AtomicLong();

    ProcessSandbox(SandboxSettings settings, Launcher launcher, Cgroups cgroups, ExecutorService io,
                   String description) {
        this.settings = settings;
        this.launcher = launcher;
        this.cgroups = cgroups;
        this.io = io;
        this.description = description;
        this.programs = new Programs(settings, this);
    }

    static ProcessSandbox start(SandboxSettings settings) {
        return TierDetector.detect(settings);
    }

    @Override
    public IsolationTier tier() {
        return launcher.tier();
    }

    /** The launcher's own processes, which share a run's task cap with the program's. */
    int launcherTasks() {
        return launcher.ownTasks();
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public ExecutionResult execute(ExecutionRequest request) {
        Path runDir = null;
        try {
            runDir = newRunDir();
            Programs.Outcome prepared = programs.prepare(request, runDir);
            if (prepared.failure() != null) {
                return prepared.failure();
            }
            Programs.Prepared p = prepared.prepared();
            return run(runDir, p.codeDir(), /* outDir= */ null, p.argv(), request.stdin(), request.limits(),
                    p.memoryBytes(), p.tasks());
        } catch (IOException | RuntimeException e) {
            LOG.warn("sandbox run failed before the program ran", e);
            return ExecutionResult.failed(Status.SANDBOX_ERROR, "", Duration.ZERO, "sandbox error: " + e);
        } finally {
            deleteTree(runDir);
        }
    }

    Path newRunDir() throws IOException {
        Path dir = settings.workRoot().resolve("run-" + ProcessHandle.current().pid() + "-" + runs.incrementAndGet());
        Files.createDirectory(dir);
        // the sandbox uid must traverse to the code, but cannot list or write here
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        return dir;
    }

    /** Runs argv in isolation; {@code runDir} holds the stdin and status files. */
    ExecutionResult run(Path runDir, Path codeDir, Path outDir, List<String> argv, String stdin, Limits limits,
                        long memoryBytes, int tasks) throws IOException {
        Path stdinFile = runDir.resolve("stdin");
        Files.writeString(stdinFile, stdin, StandardCharsets.UTF_8);
        Files.createDirectories(runDir.resolve("work"));
        String runId = runDir.getFileName().toString();
        try (RunCgroup cg = cgroups == null ? null
                : cgroups.create(runId, memoryBytes, tasks, settings.cpuCores())) {
            RunSpec spec = new RunSpec(codeDir, outDir, argv, limits, runDir.resolve("status"),
                    cg == null ? List.of() : cg.procsFiles(),
                    cg == null && launcher.tier() != IsolationTier.NONE ? memoryBytes / 1024 * 4 : 0,
                    cg == null && launcher.tier() != IsolationTier.NONE ? 256 : 0);
            return watch(spec, cg, stdinFile);
        }
    }

    private ExecutionResult watch(RunSpec spec, RunCgroup cg, Path stdinFile) throws IOException {
        Limits limits = spec.limits();
        ProcessBuilder pb = new ProcessBuilder(launcher.command(spec)).redirectInput(stdinFile.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        AtomicBoolean overflow = new AtomicBoolean();
        long start = System.nanoTime();
        Process proc = pb.start();
        Future<CappedReader.Captured> out = io.submit(
                () -> CappedReader.read(proc.getInputStream(), limits.outputBytes(), () -> overflow.set(true)));
        Future<CappedReader.Captured> err = io.submit(
                () -> CappedReader.read(proc.getErrorStream(), limits.outputBytes(), () -> overflow.set(true)));
        long deadline = start + limits.wallTime().toNanos();
        long cpuLimit = limits.cpuTime().toNanos();
        boolean wallExceeded = false;
        boolean cpuExceeded = false;
        try {
            while (!proc.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS) && !overflow.get()) {
                if (System.nanoTime() > deadline) {
                    wallExceeded = true;
                    break;
                }
                if (cg != null && cg.cpuNanos() > cpuLimit) {
                    cpuExceeded = true;
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean clean = reap(proc, cg);
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        CappedReader.Captured stdout = collect(out);
        CappedReader.Captured stderr = collect(err);
        int raw = proc.isAlive() ? 137 : proc.exitValue();
        int signal = raw > 128 && raw < 128 + 65 ? raw - 128 : 0;
        long cpuNanos = cg == null ? 0 : Math.max(0, cg.cpuNanos());
        long peak = cg == null ? -1 : cg.peakMemoryBytes();
        boolean truncated = stdout.truncated() || stderr.truncated();
        Status status;
        String detail = "";
        if (overflow.get() || truncated) {
            status = Status.OUTPUT_LIMIT;
            detail = "output exceeded " + limits.outputBytes() + " bytes; run killed";
        } else if (launcher.setupFailed(spec, raw)) {
            status = Status.SANDBOX_ERROR;
            detail = "sandbox did not start (exit " + raw + "): " + firstLine(stderr.text());
        } else if (cg != null && cg.oomKilled() || isOutOfMemory(stderr.text())) {
            status = Status.MEMORY_LIMIT;
            detail = "memory limit reached";
        } else if (wallExceeded || cpuExceeded || signal == SIGXCPU || (signal == 9 && cpuNanos >= cpuLimit)) {
            status = Status.TIMEOUT;
            detail = wallExceeded ? "wall time " + limits.wallTime() + " exceeded"
                    : "cpu time " + limits.cpuTime() + " exceeded";
        } else if (raw == 0) {
            status = Status.OK;
        } else {
            status = Status.RUNTIME_ERROR;
            detail = signal != 0 ? "killed by signal " + signal : "exit code " + raw;
        }
        if (cg != null && cg.pidsCapHit()) {
            detail = (detail.isEmpty() ? "" : detail + "; ") + "process limit reached";
        }
        if (!clean) {
            LOG.error("run {} still had processes after {}; they were signalled again", spec.statusFile(),
                    settings.killGrace());
        }
        return new ExecutionResult(status, signal != 0 ? -1 : raw, signal, stdout.text(), stderr.text(), truncated,
                wall, Duration.ofNanos(cpuNanos), peak, detail);
    }

    /** Kills whatever is left of the run; true when nothing of it survives. */
    private boolean reap(Process proc, RunCgroup cg) {
        if (cg != null && proc.isAlive()) {
            // inside first, so the launcher outlives its child and reaps it: killed together, the
            // child would be orphaned to the host's pid 1 and linger there as a zombie
            for (int round = 0; round < 3 && proc.isAlive(); round++) {
                cg.members().stream().filter(pid -> pid != proc.pid())
                        .forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                waitQuietly(proc, 200);
            }
        }
        boolean empty = cg == null || cg.killAll(settings.killGrace());
        if (proc.isAlive()) {
            // bwrap's --die-with-parent and unshare's --kill-child take the pid namespace down with it
            proc.descendants().forEach(ProcessHandle::destroyForcibly);
            proc.destroyForcibly();
        }
        waitQuietly(proc, settings.killGrace().toMillis());
        return empty && !proc.isAlive();
    }

    private static void waitQuietly(Process proc, long millis) {
        try {
            proc.waitFor(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private CappedReader.Captured collect(Future<CappedReader.Captured> f) {
        try {
            return f.get(settings.killGrace().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            f.cancel(true);
            return new CappedReader.Captured("", false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new CappedReader.Captured("", false);
        }
    }

    private static boolean isOutOfMemory(String stderr) {
        return stderr.contains("java.lang.OutOfMemoryError") || stderr.lines().anyMatch(l -> l.startsWith("MemoryError"));
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse("");
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.debug("could not delete {}", p, e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("could not delete {}", dir, e);
        }
    }

    ExecutorService io() {
        return io;
    }

    @Override
    public void close() {
        io.shutdownNow();
        if (cgroups != null) {
            cgroups.close();
        }
    }

    static ExecutorService ioThreads() {
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "sandbox-io");
            t.setDaemon(true);
            return t;
        });
    }
}
