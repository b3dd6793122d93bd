package dev.tributary.sandbox;

import java.util.ArrayList;
import java.util.List;

/** No isolation: the program runs as this user with host paths. Only the development flag selects it. */
final class BareLauncher implements Launcher {

    @Override
    public int ownTasks() {
        return 0; // the program runs as the launched process itself
    }

    @Override
    public IsolationTier tier() {
        return IsolationTier.NONE;
    }

    @Override
    public List<String> command(RunSpec spec) {
        List<String> argv = new ArrayList<>();
        for (String a : spec.argv()) {
            argv.add(toHost(spec, a));
        }
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "/bin/sh", "-c",
                "echo '{\"child-pid\": 1}' >&3; exec 3>&-; cd \"$0\" && exec \"$@\"",
                spec.statusFile().resolveSibling("work").toString()));
        cmd.addAll(argv);
        return Launcher.prefix(spec, cmd);
    }

    @Override
    public boolean setupFailed(RunSpec spec, int exitCode) {
        return exitCode == PREFIX_FAILED;
    }

    private static String toHost(RunSpec spec, String arg) {
        if (arg.startsWith(RunSpec.CODE)) {
            return spec.codeDir() + arg.substring(RunSpec.CODE.length());
        }
        if (arg.startsWith(RunSpec.OUT) && spec.outDir() != null) {
            return spec.outDir() + arg.substring(RunSpec.OUT.length());
        }
        return arg;
    }
}
