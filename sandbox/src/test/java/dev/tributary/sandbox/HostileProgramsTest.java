package dev.tributary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.sandbox.ExecutionResult.Status;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each hostile program: what happened, and that nothing of it survives. */
class HostileProgramsTest {

    private static Sandbox sandbox;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        sandbox = Hosts.isolatedSandbox();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    @AfterEach
    void nothingSurvives() {
        Hosts.assertNothingSurvives();
    }

    private static ExecutionResult run(String source, String stdin, Limits limits) {
        return sandbox.execute(new ExecutionRequest(Language.PYTHON3, source, stdin, limits));
    }

    @Test
    void infiniteLoop_timesOutWithinLimitPlusGrace() {
        long t0 = System.nanoTime();
        ExecutionResult r = run("while True:\n    pass\n", "", Limits.defaults().withWallTime(Duration.ofSeconds(1)));
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Status.TIMEOUT, r.status(), r.toString());
        assertTrue(elapsedMs < 1000 + 1500, "took " + elapsedMs + " ms for a 1 s limit");
        assertTrue(r.cpuTime().toMillis() > 500, "the loop should have burnt CPU: " + r.cpuTime());
    }

    @Test
    void cpuLimit_endsABusyProgramBeforeItsWallLimit() {
        Limits l = Limits.defaults().withWallTime(Duration.ofSeconds(10)).withCpuTime(Duration.ofMillis(700));
        long t0 = System.nanoTime();
        ExecutionResult r = run("while True:\n    pass\n", "", l);
        assertEquals(Status.TIMEOUT, r.status(), r.toString());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 3000, "cpu limit was not enforced promptly");
    }

    @Test
    void forkBomb_processCapHolds_andHostCanStillStartProcesses() throws Exception {
        String counter = "import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
                + "            time.sleep(60)\n            os._exit(0)\n        n += 1\nexcept OSError:\n    pass\n"
                + "print(n, flush=True)\n";
        ExecutionResult counted = run(counter, "", Limits.defaults().withProcesses(16));
        assertEquals(Status.OK, counted.status(), counted.toString());
        int forks = Integer.parseInt(counted.stdout().strip());
        assertTrue(forks >= 1 && forks < 16, "forked " + forks + " children under a cap of 16 tasks");
        assertTrue(counted.detail().contains("process limit"), counted.detail());
        Hosts.assertNothingSurvives(); // the 60 s sleepers died with the run

        String bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n";
        ExecutionResult r = run(bomb, "", Limits.defaults().withProcesses(32).withWallTime(Duration.ofSeconds(2)));
        assertEquals(Status.TIMEOUT, r.status(), r.toString());
        Hosts.assertNothingSurvives();
        Hosts.assertHostCanStartProcesses();
    }

    @Test
    void memoryHog_isStoppedAtTheMemoryLimit() {
        long limit = 64 * Limits.MIB;
        ExecutionResult r = run("x = []\nwhile True:\n    x.append(bytearray(8 * 1024 * 1024))\n", "",
                Limits.defaults().withMemoryBytes(limit));
        assertEquals(Status.MEMORY_LIMIT, r.status(), r.toString());
        assertTrue(r.peakMemoryBytes() > limit / 2 && r.peakMemoryBytes() <= limit,
                "peak " + r.peakMemoryBytes() + " vs limit " + limit);
    }

    @Test
    void hugeOutput_isCappedAndKilledQuickly_evenWhenTheProgramIgnoresBrokenPipes() {
        int cap = 64 * 1024;
        String flood = "import os\nwhile True:\n    try:\n        os.write(1, b'x' * 65536)\n    except OSError:\n"
                + "        pass\n";
        long t0 = System.nanoTime();
        ExecutionResult r = run(flood, "", Limits.defaults().withOutputBytes(cap).withWallTime(Duration.ofSeconds(20)));
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Status.OUTPUT_LIMIT, r.status(), r.toString());
        assertTrue(r.truncated());
        assertEquals(cap, r.stdout().length(), "kept exactly the cap");
        assertTrue(elapsedMs < 2000, "an output flood must be killed at once, took " + elapsedMs + " ms");
    }

    @Test
    void writingOrDeletingOutsideScratch_leavesHostFilesUnchanged() throws Exception {
        Path victim = tmp.resolve("victim.txt");
        Files.writeString(victim, "original");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-rw-rw-"));
        String src = "import os, sys\nres = []\nfor p in sys.stdin.read().split():\n    for act in ('write', 'delete'):\n"
                + "        try:\n            if act == 'write':\n                open(p, 'w').write('pwned')\n"
                + "            else:\n                os.remove(p)\n            res.append(act + ' ok ' + p)\n"
                + "        except OSError as e:\n            res.append(act + ' denied ' + p)\n"
                + "open('/work/scratch.txt', 'w').write('fine')\nres.append('scratch ' + open('/work/scratch.txt').read())\n"
                + "print('\\n'.join(res))\n";
        ExecutionResult r = run(src, victim + " /usr/bin/python3 /code/main.py /etc/passwd", Limits.defaults());
        assertEquals(Status.OK, r.status(), r.toString());
        assertEquals("original", Files.readString(victim));
        assertTrue(Files.exists(Path.of("/usr/bin/python3")));
        assertTrue(r.stdout().contains("scratch fine"), "the scratch dir is writable: " + r.stdout());
        assertFalse(r.stdout().contains("write ok /usr") || r.stdout().contains("delete ok /usr")
                || r.stdout().contains("write ok /code"), r.stdout());
    }

    @Test
    void hostSecretFileAndCanaryEnvironmentVariable_areInvisible() throws Exception {
        String canary = System.getenv("TRIBUTARY_SANDBOX_CANARY");
        assertNotNull(canary, "surefire must set TRIBUTARY_SANDBOX_CANARY (see sandbox/pom.xml)");
        Path secret = tmp.resolve("secret.txt");
        Files.writeString(secret, "s3cr3t-token");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        String src = "import os, sys, glob\npath = sys.stdin.read().strip()\n"
                + "try:\n    print('read', open(path).read())\nexcept OSError as e:\n    print('denied', type(e).__name__)\n"
                + "print('env', dict(os.environ))\n"
                + "for f in glob.glob('/proc/*/environ'):\n    try:\n        print(f, open(f, 'rb').read())\n"
                + "    except OSError:\n        pass\n"
                + "for f in ('/etc/shadow', '/root/.bash_history', '/proc/1/root/etc/shadow'):\n"
                + "    print(f, os.path.exists(f))\n";
        ExecutionResult r = run(src, secret.toString(), Limits.defaults());
        assertEquals(Status.OK, r.status(), r.toString());
        assertTrue(r.stdout().contains("denied FileNotFoundError"), r.stdout());
        assertFalse(r.stdout().contains("s3cr3t-token"), r.stdout());
        assertFalse(r.stdout().contains(canary), "canary leaked: " + r.stdout());
        assertFalse(r.stdout().contains("/etc/shadow True"), r.stdout());
    }

    @Test
    void connectingToAHostLoopbackSocket_isRefusedAndNothingIsAccepted() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            server.setSoTimeout(200);
            CompletableFuture<Void> acceptor = CompletableFuture.runAsync(() -> {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                while (System.nanoTime() < end) {
                    try (Socket s = server.accept()) {
                        accepted.incrementAndGet();
                    } catch (SocketTimeoutException e) {
                        // keep listening until the window closes
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            String src = "import socket, sys\nport = int(sys.stdin.read())\nfor host in ('127.0.0.1', 'localhost'):\n"
                    + "    try:\n        socket.create_connection((host, port), timeout=2)\n        print('connected', host)\n"
                    + "    except OSError as e:\n        print('blocked', host, type(e).__name__)\n";
            ExecutionResult r = run(src, Integer.toString(server.getLocalPort()), Limits.defaults());
            assertEquals(Status.OK, r.status(), r.toString());
            assertFalse(r.stdout().contains("connected"), r.stdout());
            assertTrue(r.stdout().contains("blocked 127.0.0.1"), r.stdout());
            acceptor.get(10, TimeUnit.SECONDS);
        }
        assertEquals(0, accepted.get(), "the host server accepted a connection from the sandbox");
    }

    @Test
    void killingAHostProcess_failsAndItSurvives() throws Exception {
        Process victim = new ProcessBuilder("/bin/sleep", "120").start();
        try {
            String src = "import os, signal, sys\npid = int(sys.stdin.read())\ntry:\n    os.kill(pid, signal.SIGKILL)\n"
                    + "    print('killed')\nexcept OSError as e:\n    print('denied', type(e).__name__)\n"
                    + "sys.stdout.flush()\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n";
            ExecutionResult r = run(src, Long.toString(victim.pid()), Limits.defaults());
            assertTrue(r.stdout().contains("denied"), r.toString());
            assertFalse(victim.waitFor(300, TimeUnit.MILLISECONDS), "the host process was killed");
            assertTrue(victim.isAlive());
        } finally {
            victim.destroyForcibly();
            victim.waitFor();
        }
    }

    @Test
    void detachedDoubleForkedChildren_areGoneWhenExecuteReturns() {
        String src = "import os\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                + "        os.execv('/bin/sleep', ['sleep', '31337'])\n    os._exit(0)\nos.wait()\nprint('detached')\n";
        ExecutionResult r = run(src, "", Limits.defaults());
        assertEquals(Status.OK, r.status(), r.toString());
        assertEquals("detached", r.stdout().strip());
        assertEquals(java.util.List.of(), Hosts.processesWithArgs("sleep", "31337"), "a detached grandchild survived");
    }

    @Test
    void fileSizeLimit_stopsALargeWrite() {
        long limit = 64 * 1024;
        String src = "import os\ntry:\n    with open('/work/big', 'wb') as f:\n        f.write(b'x' * (1 << 20))\n"
                + "    print('wrote')\nexcept OSError as e:\n    print('refused', e.errno)\nprint(os.path.getsize('/work/big'))\n";
        ExecutionResult r = run(src, "", Limits.defaults().withFileSizeBytes(limit));
        assertEquals(Status.OK, r.status(), r.toString());
        String[] lines = r.stdout().strip().split("\n");
        assertTrue(lines[0].startsWith("refused"), r.stdout());
        assertTrue(Long.parseLong(lines[1]) <= limit, "file grew to " + lines[1]);
    }
}
