package dev.tributary.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds the host command line that starts one isolated run; one implementation per isolation tier. */
interface Launcher {

    IsolationTier tier();

    /**
     * The launcher's own processes in the run's cgroup (bwrap's outer monitor and inner init; unshare's parent),
     * added to a program's task cap so that the program itself gets the processes its limits give it.
     */
    int ownTasks();

    /** The command whose inner part is the sandbox; see {@link #prefix} for what runs first. */
    List<String> command(RunSpec spec);

    /** Whether the sandbox itself failed to come up (as opposed to the program failing). */
    boolean setupFailed(RunSpec spec, int exitCode);

    /**
     * For launchers that report the child's pid on the status file once isolation is up (bwrap's status fd, the
     * unshare tier's setup script): no pid there means the sandbox never came up.
     */
    static boolean noChildPidReported(RunSpec spec, int exitCode) {
        if (exitCode == PREFIX_FAILED) {
            return true;
        }
        try {
            return !java.nio.file.Files.readString(spec.statusFile()).contains("child-pid");
        } catch (java.io.IOException e) {
            return true;
        }
    }

    /** Exit code of the prefix when it could not join the cgroup or set rlimits. */
    int PREFIX_FAILED = 125;

    /**
     * A POSIX shell that joins the run's cgroups and sets rlimits, then execs the sandbox, so every
     * descendant is counted from its first instruction. Arguments: status file, procs files, "--", command.
     */
    static List<String> prefix(RunSpec spec, List<String> sandboxCommand) {
        Limits l = spec.limits();
        long cpuSeconds = (l.cpuTime().toMillis() + 999) / 1000 + 1; // backstop only: the watchdog is exact
        long fileBlocks = (l.fileSizeBytes() + 511) / 512;
        String script = "s=$1; shift\n"
                + "while [ \"$1\" != -- ]; do echo $$ > \"$1\" || exit " + PREFIX_FAILED + "; shift; done; shift\n"
                + "ulimit -c 0 && ulimit -t " + cpuSeconds + " && ulimit -f " + fileBlocks
                + (spec.addressSpaceKb() > 0 ? " && ulimit -v " + spec.addressSpaceKb() : "")
                + (spec.uidProcesses() > 0 ? " && ulimit -p " + spec.uidProcesses() : "")
                + " || exit " + PREFIX_FAILED + "\n"
                + "exec \"$@\" 3>\"$s\"\n";
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", script, "sh", spec.statusFile().toString()));
        for (Path p : spec.procsFiles()) {
            cmd.add(p.toString());
        }
        cmd.add("--");
        cmd.addAll(sandboxCommand);
        return cmd;
    }
}
