package dev.tributary.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the strongest tier that works on this host by running a probe inside it that checks the
 * isolation itself (unprivileged uid, no host /etc, no network interface but loopback).
 */
final class TierDetector {

    private static final Logger LOG = LoggerFactory.getLogger(TierDetector.class);
    private static final String PROBE = "[ \"$(id -u)\" != 0 ] && [ ! -e /etc/passwd ] && [ ! -e /root ]"
            + " && [ \"$(grep -c : /proc/net/dev)\" -le 1 ] && echo isolated";

    private TierDetector() {
    }

    static ProcessSandbox detect(SandboxSettings settings) {
        try {
            Files.createDirectories(settings.workRoot());
            Files.setPosixFilePermissions(settings.workRoot(), PosixFilePermissions.fromString("rwx--x--x"));
        } catch (IOException e) {
            throw new SandboxUnavailableException("sandbox work root " + settings.workRoot() + " unusable: " + e);
        }
        boolean root = currentUid() == 0;
        Cgroups cgroups = null;
        String noCgroups = "not running as root";
        if (root) {
            Cgroups.Result r = Cgroups.detect(Path.of("/sys/fs/cgroup"), "tributary-sandbox-" + ProcessHandle.current().pid());
            cgroups = r.cgroups().orElse(null);
            noCgroups = r.whyNot();
        }
        String limits = cgroups != null
                ? "fresh cgroup per run (v1 memory, pids, cpu, cpuacct" + (cgroups.hasAtomicKill() ? "; v2 cgroup.kill)" : ")")
                : "NO cgroups (" + noCgroups + "): memory by RLIMIT_AS, processes by RLIMIT_NPROC only";
        List<String> rejected = new ArrayList<>();
        for (Launcher candidate : candidates(settings, root, rejected)) {
            if (settings.tier() != null && settings.tier() != candidate.tier()) {
                continue;
            }
            ProcessSandbox sandbox = new ProcessSandbox(settings, candidate, cgroups, ProcessSandbox.ioThreads(), "");
            String why = probe(sandbox);
            sandbox.io().shutdownNow(); // not close(): that would remove the shared cgroups
            if (why.isEmpty()) {
                String desc = candidate.tier() + (root ? " as uid " + settings.uid() : " as uid " + currentUid())
                        + ", " + limits;
                LOG.info("sandbox isolation tier: {}", desc);
                return new ProcessSandbox(settings, candidate, cgroups, ProcessSandbox.ioThreads(), desc);
            }
            rejected.add(candidate.tier() + ": " + why);
        }
        String reasons = String.join("; ", rejected);
        if (settings.allowUnisolated()) {
            String desc = "NONE (development flag " + SandboxSettings.ALLOW_UNISOLATED_PROPERTY
                    + "): programs run UNISOLATED as this user; rejected tiers: " + reasons;
            LOG.error("!!! sandbox isolation tier: {}", desc);
            return new ProcessSandbox(settings, new BareLauncher(), cgroups, ProcessSandbox.ioThreads(), desc);
        }
        if (cgroups != null) {
            cgroups.close();
        }
        throw new SandboxUnavailableException("no isolation tier isolates network, file system and processes here ("
                + reasons + "); refusing to run untrusted code. Install bubblewrap (apt-get install bubblewrap), or set -D"
                + SandboxSettings.ALLOW_UNISOLATED_PROPERTY + "=true for development only");
    }

    private static List<Launcher> candidates(SandboxSettings settings, boolean root, List<String> rejected) {
        List<Launcher> out = new ArrayList<>();
        Optional<Path> bwrap = which("bwrap");
        Optional<Path> setpriv = which("setpriv");
        List<String> drop = root && setpriv.isPresent()
                ? List.of(setpriv.get().toString(), "--reuid=" + settings.uid(), "--regid=" + settings.uid(),
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs")
                : List.of();
        if (bwrap.isEmpty()) {
            rejected.add("BUBBLEWRAP: bwrap not found on PATH");
        } else if (root && setpriv.isEmpty()) {
            rejected.add("BUBBLEWRAP: running as root but setpriv (util-linux) is missing to drop privileges");
        } else {
            List<Path> extra = new ArrayList<>();
            extra.add(realPath(settings.javaHome()));
            extra.add(realPath(settings.python()).getParent());
            out.add(new BwrapLauncher(bwrap.get(), drop, extra));
        }
        Optional<Path> unshare = which("unshare");
        if (!root) {
            rejected.add("UNSHARE: needs root to mount");
        } else if (unshare.isEmpty() || setpriv.isEmpty() || which("chroot").isEmpty()) {
            rejected.add("UNSHARE: unshare, setpriv or chroot missing");
        } else {
            out.add(new UnshareLauncher(unshare.get(), settings.uid()));
        }
        return out;
    }

    /** Empty when the probe ran isolated, else why not. */
    private static String probe(ProcessSandbox sandbox) {
        Path runDir = null;
        try {
            runDir = sandbox.newRunDir();
            Path code = runDir.resolve("code");
            Files.createDirectories(code);
            Limits l = Limits.defaults().withWallTime(Duration.ofSeconds(10));
            ExecutionResult r = sandbox.run(runDir, code, null, List.of("/bin/sh", "-c", PROBE), "", l,
                    l.memoryBytes(), l.processes() + sandbox.launcherTasks());
            if (r.ok() && r.stdout().contains("isolated")) {
                return "";
            }
            return "probe " + r.status() + " exit " + r.exitCode() + " " + r.detail() + " " + r.stderr().strip();
        } catch (IOException | RuntimeException e) {
            return "probe failed: " + e;
        } finally {
            ProcessSandbox.deleteTree(runDir);
        }
    }

    static Optional<Path> which(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/bin:/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Optional.of(Path.of(dir, name));
            }
        }
        return Optional.empty();
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }

    static int currentUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.split("\\s+")[2]); // effective uid
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
