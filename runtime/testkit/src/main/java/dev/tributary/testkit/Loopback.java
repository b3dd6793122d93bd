package dev.tributary.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** The loopback interface the harness's cluster (and the benchmarks' node JVMs) run on. */
public final class Loopback {
    private Loopback() {
    }

    /** A port free on 127.0.0.1 now: the head node's, which every other node names as its seed node. */
    static int freePort() {
        return freePorts(1)[0];
    }

    /** {@code n} distinct ports free on 127.0.0.1 now (each held open until all are chosen). */
    public static int[] freePorts(int n) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException("no " + n + " free ports on the loopback interface", e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a probe socket: nothing was sent on it
                }
            }
        }
    }
}
