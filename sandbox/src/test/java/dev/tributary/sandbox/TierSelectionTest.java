package dev.tributary.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.sandbox.ExecutionResult.Status;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Refusal without isolation, and the util-linux fallback tier holding the main hostile cases. */
class TierSelectionTest {

    @Test
    void withoutAnIsolatingTier_untrustedCodeIsRefused() {
        SandboxUnavailableException e = assertThrows(SandboxUnavailableException.class, () -> Sandbox.create(
                SandboxSettings.defaults().withTier(IsolationTier.NONE).withAllowUnisolated(false)));
        assertTrue(e.getMessage().contains("refusing to run untrusted code"), e.getMessage());
    }

    @Test
    void unshareFallback_isolatesFilesNetworkAndProcesses() throws Exception {
        try (Sandbox s = Sandbox.create(SandboxSettings.defaults().withTier(IsolationTier.UNSHARE));
             ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            assertEquals(IsolationTier.UNSHARE, s.tier());
            String src = "import os, socket, sys\nport = int(sys.stdin.read())\nprint('uid', os.getuid())\n"
                    + "print('etc', os.path.exists('/etc/passwd'), os.path.exists('/root'))\n"
                    + "print('env', sorted(os.environ))\n"
                    + "try:\n    socket.create_connection(('127.0.0.1', port), timeout=1)\n    print('connected')\n"
                    + "except OSError:\n    print('blocked')\n"
                    + "try:\n    open('/usr/pwned', 'w')\n    print('wrote /usr')\nexcept OSError:\n    print('ro /usr')\n"
                    + "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                    + "        os.execv('/bin/sleep', ['sleep', '31338'])\n    os._exit(0)\n";
            ExecutionResult r = s.execute(ExecutionRequest.of(Language.PYTHON3, src,
                    Integer.toString(server.getLocalPort())));
            assertEquals(Status.OK, r.status(), r.toString());
            assertTrue(r.stdout().contains("uid " + Hosts.SANDBOX_UID), r.stdout());
            assertTrue(r.stdout().contains("etc False False"), r.stdout());
            assertTrue(r.stdout().contains("blocked") && r.stdout().contains("ro /usr"), r.stdout());
            assertFalse(r.stdout().contains("CANARY"), r.stdout());
            assertEquals(java.util.List.of(), Hosts.processesWithArgs("sleep", "31338"));
            ExecutionResult hog = s.execute(ExecutionRequest.of(Language.PYTHON3,
                    "x = []\nwhile True:\n    x.append(bytearray(8 << 20))\n", "")
                    .withLimits(Limits.defaults().withMemoryBytes(64 * Limits.MIB)));
            assertEquals(Status.MEMORY_LIMIT, hog.status(), hog.toString());
        }
        Hosts.assertNothingSurvives();
    }
}
