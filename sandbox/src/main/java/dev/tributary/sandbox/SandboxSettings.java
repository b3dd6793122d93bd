package dev.tributary.sandbox;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the sandbox is set up. Read once at start.
 *
 * @param workRoot        host directory for run directories and the Java class cache
 * @param uid             unprivileged uid (and gid) programs run as when we are root
 * @param python          the python3 interpreter; must live under /usr to be visible inside
 * @param javaHome        the JDK used to compile and run Java programs
 * @param tier            the tier to use, or null to take the strongest one that works here
 * @param allowUnisolated development only: run programs bare when no tier isolates them
 * @param cpuCores        CPU bandwidth of one run, enforced by the cpu cgroup
 * @param compileLimits   limits for javac
 * @param jvmOverheadBytes memory a JVM needs beyond its heap, added to a Java run's cgroup limit
 * @param jvmTasks        threads a JVM needs, added to a Java run's task limit
 * @param killGrace       how long to wait for a killed run to be gone
 */
public record SandboxSettings(Path workRoot, int uid, Path python, Path javaHome, IsolationTier tier,
                              boolean allowUnisolated, double cpuCores, Limits compileLimits,
                              long jvmOverheadBytes, int jvmTasks, Duration killGrace) {

    /** System property (or env {@code TRIBUTARY_SANDBOX_ALLOW_UNISOLATED=true}) of the development flag. */
    public static final String ALLOW_UNISOLATED_PROPERTY = "tributary.sandbox.allow-unisolated";

    public SandboxSettings {
        if (workRoot == null || python == null || javaHome == null || compileLimits == null || killGrace == null) {
            throw new IllegalArgumentException("workRoot, python, javaHome, compileLimits and killGrace must be set");
        }
        if (uid <= 0) {
            throw new IllegalArgumentException("sandbox uid " + uid + " must be > 0 (never root)");
        }
        if (!(cpuCores > 0)) {
            throw new IllegalArgumentException("cpu cores " + cpuCores + " must be > 0");
        }
        if (jvmOverheadBytes < 0 || jvmTasks < 0) {
            throw new IllegalArgumentException("jvm overhead " + jvmOverheadBytes + " and tasks " + jvmTasks
                    + " must be >= 0");
        }
    }

    public static SandboxSettings defaults() {
        boolean allow = Boolean.getBoolean(ALLOW_UNISOLATED_PROPERTY)
                || "true".equalsIgnoreCase(System.getenv("TRIBUTARY_SANDBOX_ALLOW_UNISOLATED"));
        Limits compile = new Limits(Duration.ofSeconds(30), Duration.ofSeconds(30), 768 * Limits.MIB,
                /* processes= */ 64, /* outputBytes= */ 64 * 1024, /* fileSizeBytes= */ 32 * Limits.MIB);
        return new SandboxSettings(Path.of(System.getProperty("java.io.tmpdir"), "tributary-sandbox"),
                /* uid= */ 65534, Path.of("/usr/bin/python3"), Path.of(System.getProperty("java.home")),
                /* tier= */ null, allow, /* cpuCores= */ 1.0, compile, /* jvmOverheadBytes= */ 160 * Limits.MIB,
                /* jvmTasks= */ 48, Duration.ofSeconds(2));
    }

    public SandboxSettings withTier(IsolationTier t) {
        return new SandboxSettings(workRoot, uid, python, javaHome, t, allowUnisolated, cpuCores, compileLimits,
                jvmOverheadBytes, jvmTasks, killGrace);
    }

    public SandboxSettings withWorkRoot(Path p) {
        return new SandboxSettings(p, uid, python, javaHome, tier, allowUnisolated, cpuCores, compileLimits,
                jvmOverheadBytes, jvmTasks, killGrace);
    }

    public SandboxSettings withAllowUnisolated(boolean allow) {
        return new SandboxSettings(workRoot, uid, python, javaHome, tier, allow, cpuCores, compileLimits,
                jvmOverheadBytes, jvmTasks, killGrace);
    }
}
