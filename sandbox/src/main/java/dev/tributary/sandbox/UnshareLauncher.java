package dev.tributary.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fallback tier, from util-linux alone: new mount, pid, net, ipc, uts and cgroup namespaces; a
 * read-only tmpfs root holding only /usr, the code and a scratch tmpfs; then chroot and setpriv to an
 * unprivileged uid with no capabilities. Needs root (to mount), which is also why it can drop to a uid.
 */
final class UnshareLauncher implements Launcher {

    private static final String SETUP = String.join("\n",
            "set -e; PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            "R=$1; S=$2; CODE=$3; OUT=$4; shift 4",
            "mount --make-rprivate /",
            "mount -t tmpfs -o size=1m,mode=755 tmpfs \"$R\"",
            "mkdir -p \"$R/usr\" \"$R/code\" \"$R/work\" \"$R/proc\" \"$R/dev\" \"$R/out\"",
            "mount --rbind /usr \"$R/usr\"; mount -o remount,bind,ro \"$R/usr\"",
            "for t in bin sbin lib lib32 lib64 libx32; do",
            "  if [ -L /$t ]; then ln -s \"$(readlink /$t)\" \"$R/$t\";",
            "  elif [ -d /$t ]; then mkdir \"$R/$t\"; mount --rbind /$t \"$R/$t\"; mount -o remount,bind,ro \"$R/$t\"; fi",
            "done",
            "for e in /etc/java-*; do [ -d \"$e\" ] || continue; mkdir -p \"$R$e\"; mount --bind \"$e\" \"$R$e\";"
                    + " mount -o remount,bind,ro \"$R$e\"; done",
            "mount --bind \"$CODE\" \"$R/code\"; mount -o remount,bind,ro \"$R/code\"",
            "if [ \"$OUT\" != - ]; then mount --bind \"$OUT\" \"$R/out\"; fi",
            "mount -t tmpfs -o size=$S,mode=1777 tmpfs \"$R/work\"; ln -s /work \"$R/tmp\"",
            "mount -t proc -o nosuid,nodev,noexec proc \"$R/proc\"",
            "for d in null zero urandom random; do touch \"$R/dev/$d\"; mount --bind /dev/$d \"$R/dev/$d\"; done",
            "mount -o remount,ro \"$R\"",
            "echo '{\"child-pid\": 1}' >&3; exec 3>&-",
            "exec chroot \"$R\" \"$@\"");

    private final Path unshare;
    private final int uid;

    UnshareLauncher(Path unshare, int uid) {
        this.unshare = unshare;
        this.uid = uid;
    }

    @Override
    public int ownTasks() {
        return 1; // unshare's parent, which forks the namespace's init (the program, after exec)
    }

    @Override
    public IsolationTier tier() {
        return IsolationTier.UNSHARE;
    }

    @Override
    public List<String> command(RunSpec spec) {
        Path root = spec.statusFile().resolveSibling("root");
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>(List.of(unshare.toString(), "--mount", "--uts", "--ipc", "--net",
                "--pid", "--cgroup", "--fork", "--kill-child", "--mount-proc", "--",
                "/bin/sh", "-c", SETUP, "setup", root.toString(), Long.toString(spec.scratchBytes()),
                spec.codeDir().toString(), spec.outDir() == null ? "-" : spec.outDir().toString(),
                "/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--inh-caps=-all",
                "--bounding-set=-all", "--no-new-privs",
                "/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=" + RunSpec.WORK, "TMPDIR=" + RunSpec.WORK,
                "LANG=C.UTF-8", "/bin/sh", "-c", "cd " + RunSpec.WORK + " && exec \"$@\"", "sh"));
        cmd.addAll(spec.argv());
        return Launcher.prefix(spec, cmd);
    }

    @Override
    public boolean setupFailed(RunSpec spec, int exitCode) {
        return Launcher.noChildPidReported(spec, exitCode);
    }
}
