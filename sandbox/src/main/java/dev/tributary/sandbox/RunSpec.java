package dev.tributary.sandbox;

import java.nio.file.Path;
import java.util.List;

/**
 * What a launcher needs to start one run.
 *
 * @param codeDir     host directory shown read-only at {@code /code}
 * @param outDir      host directory shown writable at {@code /out} (compilation output), or null
 * @param argv        the program's command line, in sandbox paths
 * @param statusFile  host file the launcher may use to report whether the sandbox came up
 * @param procsFiles  cgroup.procs files the launcher joins before starting the sandbox
 * @param addressSpaceKb RLIMIT_AS in KiB where no memory cgroup exists, else 0 (unlimited)
 * @param uidProcesses   RLIMIT_NPROC where no pids cgroup exists, else 0 (unlimited)
 */
record RunSpec(Path codeDir, Path outDir, List<String> argv, Limits limits, Path statusFile,
               List<Path> procsFiles, long addressSpaceKb, int uidProcesses) {

    static final String CODE = "/code";
    static final String OUT = "/out";
    static final String WORK = "/work";

    RunSpec {
        if (argv == null || argv.isEmpty()) {
            throw new IllegalArgumentException("argv " + argv + " must not be empty");
        }
        argv = List.copyOf(argv);
        procsFiles = List.copyOf(procsFiles);
    }

    /** The scratch tmpfs is as large as the largest permitted file, with a floor for small limits. */
    long scratchBytes() {
        return Math.max(limits.fileSizeBytes(), 1L << 20);
    }
}
