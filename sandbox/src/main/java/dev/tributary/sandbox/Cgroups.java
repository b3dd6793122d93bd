package dev.tributary.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sandbox's parent cgroups: v1 memory, pids, cpu and cpuacct (limits and accounting) and, where
 * present, a v2 group used only for its atomic {@code cgroup.kill}. Each lives under this JVM's own
 * cgroup so that limits nest inside whatever container runs us.
 */
final class Cgroups {

    static final List<String> REQUIRED = List.of("memory", "pids", "cpu", "cpuacct");

    private final Map<String, Path> bases;
    private final Path unifiedBase;

    private Cgroups(Map<String, Path> bases, Path unifiedBase) {
        this.bases = bases;
        this.unifiedBase = unifiedBase;
    }

    /** Creates the parent groups, or explains why this host has none we can use. */
    static Result detect(Path mountRoot, String name) {
        Map<String, String> own = ownPaths();
        Map<String, Path> bases = new LinkedHashMap<>();
        for (String controller : REQUIRED) {
            Path mount = mountRoot.resolve(controller);
            if (!Files.isDirectory(mount) || !Files.exists(mount.resolve("cgroup.procs"))) {
                return Result.failure("no cgroup v1 '" + controller + "' hierarchy at " + mount);
            }
            Path base = mount.resolve(relative(own.getOrDefault(controller, "/"))).resolve(name);
            try {
                Files.createDirectories(base);
            } catch (IOException | SecurityException e) {
                return Result.failure("cgroup " + base + " is not writable: " + e);
            }
            bases.put(controller, base);
        }
        Path unified = mountRoot.resolve("unified");
        Path unifiedBase = null;
        if (Files.exists(unified.resolve("cgroup.procs"))) {
            Path candidate = unified.resolve(relative(own.getOrDefault("", "/"))).resolve(name);
            try {
                Files.createDirectories(candidate);
                unifiedBase = candidate;
            } catch (IOException e) {
                unifiedBase = null; // kill falls back to signalling every member
            }
        }
        return new Result(Optional.of(new Cgroups(bases, unifiedBase)), "");
    }

    record Result(Optional<Cgroups> cgroups, String whyNot) {
        static Result failure(String why) {
            return new Result(Optional.empty(), why);
        }
    }

    boolean hasAtomicKill() {
        return unifiedBase != null;
    }

    /** A fresh group per run, limits written before any process joins it. */
    RunCgroup create(String runId, long memoryBytes, int maxTasks, double cpuCores) throws IOException {
        Map<String, Path> dirs = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Path> e : bases.entrySet()) {
                Path dir = e.getValue().resolve(runId);
                Files.createDirectory(dir);
                dirs.put(e.getKey(), dir);
            }
            Path unified = null;
            if (unifiedBase != null) {
                unified = unifiedBase.resolve(runId);
                Files.createDirectory(unified);
            }
            RunCgroup group = new RunCgroup(dirs, unified);
            group.limit(memoryBytes, maxTasks, cpuCores);
            return group;
        } catch (IOException | RuntimeException e) {
            for (Path d : dirs.values()) {
                Files.deleteIfExists(d);
            }
            throw e;
        }
    }

    /** Removes the parent groups; leftover run groups (none expected) keep them alive harmlessly. */
    void close() {
        List<Path> all = new ArrayList<>(bases.values());
        if (unifiedBase != null) {
            all.add(unifiedBase);
        }
        for (Path p : all) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // busy: a run group is still inside; the next start reuses the directory
            }
        }
    }

    private static String relative(String path) {
        return path.startsWith("/") ? path.substring(1) : path;
    }

    /** This process's cgroup path per v1 controller, and "" for the v2 hierarchy. */
    private static Map<String, String> ownPaths() {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] parts = line.split(":", 3);
                if (parts.length < 3) {
                    continue;
                }
                if (parts[1].isEmpty()) {
                    out.put("", parts[2]);
                }
                for (String c : parts[1].split(",")) {
                    if (!c.isEmpty()) {
                        out.put(c, parts[2]);
                    }
                }
            }
        } catch (IOException e) {
            // no /proc/self/cgroup: place groups at the hierarchy roots
        }
        return out;
    }
}
