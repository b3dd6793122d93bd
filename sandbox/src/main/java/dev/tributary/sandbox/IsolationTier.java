package dev.tributary.sandbox;

/** How strongly a run is isolated, strongest first. */
public enum IsolationTier {
    /** bubblewrap as an unprivileged uid: user, pid, net, ipc, uts, mount and cgroup namespaces, read-only /usr. */
    BUBBLEWRAP,
    /** util-linux unshare + chroot into a read-only tmpfs root + setpriv to an unprivileged uid. */
    UNSHARE,
    /** No isolation at all: only ever chosen by the explicit development flag. */
    NONE
}
