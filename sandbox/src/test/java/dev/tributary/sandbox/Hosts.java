package dev.tributary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Host-side checks shared by the sandbox tests: what is running on the host after a run. */
final class Hosts {

    static final int SANDBOX_UID = SandboxSettings.defaults().uid();

    private Hosts() {
    }

    /** A sandbox that must isolate: creating it fails (never skips) where no tier does. */
    static Sandbox isolatedSandbox() {
        Sandbox s = Sandbox.create(SandboxSettings.defaults().withAllowUnisolated(false));
        assertNotEquals(IsolationTier.NONE, s.tier(), "hostile-case tests need a real isolation tier");
        return s;
    }

    /** Host processes whose command line contains every one of the given arguments. */
    static List<Long> processesWithArgs(String... args) {
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().matches("\\d+")).forEach(p -> {
                try {
                    List<String> argv = List.of(new String(Files.readAllBytes(p.resolve("cmdline")),
                            StandardCharsets.UTF_8).split("\0"));
                    if (argv.containsAll(List.of(args))) {
                        found.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // the process ended while we looked
                }
            });
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc", e);
        }
        return found;
    }

    /** Live host processes running as the sandbox uid (none should exist between runs); zombies are dead. */
    static List<Long> sandboxUidProcesses() {
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().matches("\\d+")).forEach(p -> {
                try {
                    List<String> status = Files.readAllLines(p.resolve("status"));
                    boolean zombie = status.stream().anyMatch(l -> l.startsWith("State:") && l.contains("Z"));
                    boolean sandboxed = status.stream().anyMatch(l -> l.startsWith("Uid:")
                            && l.split("\\s+")[1].equals(Integer.toString(SANDBOX_UID)));
                    if (sandboxed && !zombie) {
                        found.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // the process ended while we looked
                }
            });
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc", e);
        }
        return found;
    }

    /** Nothing of any run is left: no child of this JVM, no process as the sandbox uid. */
    static void assertNothingSurvives() {
        assertEquals(List.of(), ProcessHandle.current().descendants().map(ProcessHandle::pid).toList(),
                "processes started by the sandbox are still alive");
        assertEquals(List.of(), sandboxUidProcesses(), "processes running as uid " + SANDBOX_UID + " survive");
    }

    static void assertHostCanStartProcesses() throws Exception {
        Process p = new ProcessBuilder("/bin/true").start();
        assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "host could not run /bin/true");
        assertEquals(0, p.exitValue());
    }
}
