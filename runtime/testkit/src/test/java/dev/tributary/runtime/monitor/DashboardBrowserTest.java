package dev.tributary.runtime.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.cluster.ClusterNodes;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser: a three-node loopback run serves it on the master's node, headless Chromium
 * (Debian's chromium; bin/test installs it) loads it, runs its script against the live node, and the test reads the
 * resulting DOM: the members with their roles, the four uPlot charts, the phase table and the events. The screenshot
 * is kept as target/dashboard/dashboard.png.
 */
@Tag("slow")
class DashboardBrowserTest {
    static final Path SCREENSHOT = Path.of("target", "dashboard", "dashboard.png");
    private final List<TributaryRun> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ClusterNodes.stopAll(nodes);
    }

    @Test
    void theMastersNodeServesALiveDashboard_thatABrowserRenders(@TempDir Path dir) throws Exception {
        String chromium = chromium();
        int[] ports = Loopback.freePorts(4);
        ProgressLines lines = new ProgressLines();
        TributaryRun master = ClusterNodes.node(MetricsEndpointTest.settings(dir, ports[0], ports[0], ports[1]),
                Set.of("master", "replay", "reward"), lines);
        nodes.add(master);
        nodes.add(ClusterNodes.node(MetricsEndpointTest.settings(dir, 0, ports[0], ports[2]), Set.of("rollout"), lines));
        nodes.add(ClusterNodes.node(MetricsEndpointTest.settings(dir, 0, ports[0], ports[3]), Set.of("trainer"), lines));
        lines.await(l -> l.startsWith("iter   3"), Duration.ofMinutes(3));
        assertTrue(master.metrics().size() >= 3, "three iterations within 3 minutes:\n" + lines.text());
        String url = "http://127.0.0.1:" + ports[1] + "/dashboard";

        String dom = browse(chromium, url, "--dump-dom");
        Matcher it = Pattern.compile("<span id=\"iteration\">(\\d+)</span>").matcher(dom);
        assertTrue(it.find() && Integer.parseInt(it.group(1)) >= 3, "the page shows the iteration:\n" + dom);
        for (String roles : List.of("master,replay,reward", "rollout", "trainer")) {
            assertTrue(dom.contains("<tr data-roles=\"" + roles + "\">"), "a member row for " + roles + ":\n" + dom);
        }
        assertEquals(3, count(dom, "<tr data-roles="), dom);
        assertTrue(count(dom, "<canvas") >= 4, "uPlot drew the four charts:\n" + dom);
        String phases = dom.substring(dom.indexOf("<table id=\"phases\">"));
        phases = phases.substring(0, phases.indexOf("</table>"));
        assertTrue(count(phases, "<tr>") >= 1 + 3, "a header and a row per iteration:\n" + phases);
        assertTrue(dom.contains(") is up</li>"), "members joining are among the events:\n" + dom);
        assertTrue(dom.contains("<span id=\"status\" class=\"\">updated "), "the last poll was answered:\n" + dom);

        // The page is the master's only: another node says where to look.
        var other = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + ports[2] + "/dashboard")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(404, other.statusCode());
        assertTrue(other.body().contains("served by the node that runs the master"), other.body());

        Files.createDirectories(SCREENSHOT.getParent());
        Files.deleteIfExists(SCREENSHOT);
        browse(chromium, url, "--screenshot=" + SCREENSHOT.toAbsolutePath(), "--window-size=1000,900",
                "--hide-scrollbars");
        BufferedImage png = ImageIO.read(SCREENSHOT.toFile());
        assertEquals(1000, png.getWidth());
        assertEquals(900, png.getHeight());
        assertTrue(coloured(png) > 500, "the screenshot shows the coloured curves");
    }

    /** Debian's chromium on the PATH; its absence fails the test (CI installs it) rather than skipping it. */
    static String chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        throw new AssertionError("the dashboard test needs Chromium: apt-get install chromium (bin/test installs it)");
    }

    /** Runs headless Chromium on {@code url} with {@code args}; its stdout (the DOM with --dump-dom). */
    private static String browse(String chromium, String url, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + Files.createTempDirectory("chromium"),
                // Lets the page's script run (and poll the node) for 6 s of page time before the DOM is read.
                "--virtual-time-budget=6000"));
        cmd.addAll(List.of(args));
        cmd.add(url);
        Path err = Files.createTempFile("chromium", ".log");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 2 minutes");
        }
        assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(err));
        return new String(out, StandardCharsets.UTF_8);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static int coloured(BufferedImage image) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int r = rgb >> 16 & 0xff;
                int g = rgb >> 8 & 0xff;
                int b = rgb & 0xff;
                n += Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 80 ? 1 : 0;
            }
        }
        return n;
    }
}
