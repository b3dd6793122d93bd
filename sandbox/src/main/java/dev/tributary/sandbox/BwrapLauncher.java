package dev.tributary.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The preferred tier: bubblewrap with every namespace unshared, started as an unprivileged uid. */
final class BwrapLauncher implements Launcher {

    /**
     * Our own pid 1 inside the sandbox: bwrap's built-in init outlives its monitor by a moment and is
     * then orphaned to the host's pid 1, which in containers often never reaps it (a zombie per run).
     * The shell reaps everything, keeps the program a normal process (pid 1 ignores signals), and
     * silences its own job-status messages.
     */
    private static final String INIT = "exec 3<&0 4>&2 2>/dev/null; \"$@\" <&3 2>&4 3<&- 4>&- & wait $!";

    private final Path bwrap;
    private final List<String> dropPrivileges;
    private final List<String> systemBinds;

    /**
     * @param dropPrivileges the setpriv command that drops root to the sandbox uid, or empty when we are
     *                       already unprivileged
     * @param extraReadOnly  host directories to show read-only at the same path (a JDK outside /usr)
     */
    BwrapLauncher(Path bwrap, List<String> dropPrivileges, List<Path> extraReadOnly) {
        this.bwrap = bwrap;
        this.dropPrivileges = List.copyOf(dropPrivileges);
        this.systemBinds = systemBinds(extraReadOnly);
    }

    @Override
    public int ownTasks() {
        return 2; // the outer monitor and the inner init
    }

    @Override
    public IsolationTier tier() {
        return IsolationTier.BUBBLEWRAP;
    }

    @Override
    public List<String> command(RunSpec spec) {
        List<String> cmd = new ArrayList<>(dropPrivileges);
        cmd.add(bwrap.toString());
        cmd.addAll(List.of("--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
                "--hostname", "sandbox", "--clearenv",
                "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", RunSpec.WORK,
                "--setenv", "LANG", "C.UTF-8", "--setenv", "TMPDIR", RunSpec.WORK));
        cmd.addAll(systemBinds);
        cmd.addAll(List.of("--proc", "/proc", "--dev", "/dev",
                "--size", Long.toString(spec.scratchBytes()), "--tmpfs", RunSpec.WORK,
                "--symlink", RunSpec.WORK, "/tmp",
                "--ro-bind", spec.codeDir().toString(), RunSpec.CODE));
        if (spec.outDir() != null) {
            cmd.addAll(List.of("--bind", spec.outDir().toString(), RunSpec.OUT));
        }
        cmd.addAll(List.of("--chdir", RunSpec.WORK, "--json-status-fd", "3", "--as-pid-1", "--",
                "/bin/sh", "-c", INIT, "init"));
        cmd.addAll(spec.argv());
        return Launcher.prefix(spec, cmd);
    }


    private static List<String> systemBinds(List<Path> extra) {
        List<String> b = new ArrayList<>(List.of("--ro-bind", "/usr", "/usr"));
        // merged-/usr hosts link these into /usr; older ones have real directories
        for (String top : List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")) {
            Path p = Path.of(top);
            if (Files.isSymbolicLink(p)) {
                try {
                    b.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), top));
                } catch (java.io.IOException e) {
                    // unreadable link: leave the path absent inside
                }
            } else if (Files.isDirectory(p)) {
                b.addAll(List.of("--ro-bind", top, top));
            }
        }
        // the JDK's conf/ links into /etc/java-N-openjdk; nothing else of /etc is shown
        int feature = Runtime.version().feature();
        b.addAll(List.of("--ro-bind-try", "/etc/java-" + feature + "-openjdk", "/etc/java-" + feature + "-openjdk"));
        for (Path p : extra) {
            if (!p.startsWith("/usr")) {
                b.addAll(List.of("--ro-bind", p.toString(), p.toString()));
            }
        }
        return List.copyOf(b);
    }

    @Override
    public boolean setupFailed(RunSpec spec, int exitCode) {
        return Launcher.noChildPidReported(spec, exitCode);
    }
}
