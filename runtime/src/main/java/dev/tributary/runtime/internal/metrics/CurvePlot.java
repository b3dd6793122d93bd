package dev.tributary.runtime.internal.metrics;

import dev.tributary.runtime.metrics.IterationMetrics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A PNG of the run's learning curves: mean reward, held-out accuracy and mean response length against the
 * iteration, one XChart panel each, under the run's title; an asynchronous run's (one whose trained tokens were ever
 * older than the version trained, or whose samples were dropped as too stale) has a fourth panel, the staleness of
 * each step's trained tokens (p50, p99, max). Drawn headless.
 */
public final class CurvePlot {
    static final int WIDTH = 1500;
    static final int HEIGHT = 520;
    /** Height of the band above the panels that holds the run's title. */
    static final int TITLE = 50;
    static final Color REFERENCE = Color.GRAY;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b)};

    /** One curve of a panel. */
    record Line(String name, ToDoubleFunction<IterationMetrics> value, Color color) {
    }

    record Series(String title, String unit, List<Line> lines, double min, double max) {
        Series(String title, String unit, ToDoubleFunction<IterationMetrics> value, Color color, double min,
               double max) {
            this(title, unit, List.of(new Line(title, value, color)), min, max);
        }
    }

    private static final List<Series> SERIES = List.of(
            new Series("Mean reward", "", IterationMetrics::meanReward, COLORS[0], Double.NaN, Double.NaN),
            new Series("Held-out accuracy", "%", m -> 100 * m.heldOutAccuracy(), COLORS[1], 0, 100),
            new Series("Mean response length", "tokens", IterationMetrics::meanResponseLength, COLORS[2], 0,
                    Double.NaN));

    private static final Series STALENESS = new Series("Staleness of trained tokens", "versions", List.of(
            new Line("p50", IterationMetrics::stalenessP50, COLORS[3]),
            new Line("p99", IterationMetrics::stalenessP99, COLORS[4]),
            new Line("max", IterationMetrics::stalenessMax, COLORS[5])), 0, Double.NaN);

    /** The panels of {@code history}: the three curves, and the staleness where the run was asynchronous. */
    static List<Series> panels(List<IterationMetrics> history) {
        boolean stale = history.stream().anyMatch(m -> m.stalenessMax() > 0 || m.droppedStale() > 0);
        if (!stale) {
            return SERIES;
        }
        List<Series> out = new java.util.ArrayList<>(SERIES);
        out.add(STALENESS);
        return out;
    }

    private CurvePlot() {
    }

    /** Writes the plot of {@code history} to {@code png} (replacing it atomically, so a reader never sees half). */
    public static void write(List<IterationMetrics> history, String title, Path png) throws IOException {
        write(history, title, png, Double.NaN);
    }

    /**
     * As {@link #write(List, String, Path)}, with the held-out accuracy of the RL starting point (after SFT, in
     * [0, 1]; NaN for none) drawn as a dashed reference line in the accuracy panel.
     */
    public static void write(List<IterationMetrics> history, String title, Path png, double startAccuracy)
            throws IOException {
        if (history.isEmpty()) {
            throw new IllegalArgumentException("no iterations to plot into " + png);
        }
        // Must be set before the first AWT class loads a toolkit; a server has no display.
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
            FontMetrics fm = g.getFontMetrics();
            g.drawString(title, (WIDTH - fm.stringWidth(title)) / 2, 32);
            List<Series> panels = panels(history);
            for (int p = 0; p < panels.size(); p++) {
                Rectangle r = panel(p, panels.size());
                XYChart chart = chart(history, panels.get(p), p == 1 ? 100 * startAccuracy : Double.NaN,
                        r.width, r.height);
                Graphics2D panel = (Graphics2D) g.create(r.x, r.y, r.width, r.height);
                try {
                    chart.paint(panel, r.width, r.height);
                } finally {
                    panel.dispose();
                }
            }
        } finally {
            g.dispose();
        }
        Path dir = png.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".curves", ".png.tmp");
        try {
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IOException("no PNG writer available to write " + png);
            }
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The rectangle of panel {@code p} of {@code count} (0 reward, 1 accuracy, 2 length, 3 staleness), below the title. */
    static Rectangle panel(int p, int count) {
        int w = WIDTH / count;
        return new Rectangle(p * w, TITLE, w, HEIGHT - TITLE);
    }

    private static XYChart chart(List<IterationMetrics> history, Series s, double reference, int width, int height) {
        XYChart chart = new XYChartBuilder().width(width).height(height)
                .title(s.unit().isEmpty() ? s.title() : s.title() + " (" + s.unit() + ")").xAxisTitle("iteration")
                .build();
        Styler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBorderVisible(true);
        st.setLegendVisible(!Double.isNaN(reference) || s.lines().size() > 1);
        st.setLegendPosition(Styler.LegendPosition.InsideSE);
        st.setChartTitleBoxVisible(false);
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesColor(new Color(0xe6e6e6));
        chart.getStyler().setXAxisDecimalPattern("#");
        chart.getStyler().setYAxisDecimalPattern("0.###");
        if (!Double.isNaN(s.min())) {
            chart.getStyler().setYAxisMin(s.min());
        }
        if (!Double.isNaN(s.max())) {
            chart.getStyler().setYAxisMax(s.max());
        }
        for (Line line : s.lines()) {
            // Iterations without a value (accuracy between evaluations) are left out; the line joins the others.
            double[] xs = history.stream().filter(m -> !Double.isNaN(line.value().applyAsDouble(m)))
                    .mapToDouble(IterationMetrics::iteration).toArray();
            double[] ys = history.stream().mapToDouble(line.value()).filter(v -> !Double.isNaN(v)).toArray();
            if (xs.length == 0) {
                xs = new double[] {history.get(0).iteration()};
                ys = new double[] {Double.NaN};
            }
            XYSeries curve = chart.addSeries(line.name(), xs, ys);
            curve.setLineColor(line.color());
            curve.setMarkerColor(line.color());
            curve.setMarker(SeriesMarkers.CIRCLE);
            curve.setLineWidth(2.2f);
            curve.setShowInLegend(s.lines().size() > 1);
        }
        if (!Double.isNaN(reference)) {
            double first = history.get(0).iteration();
            double last = history.get(history.size() - 1).iteration();
            XYSeries ref = chart.addSeries(String.format(Locale.ROOT, "after SFT: %.1f%s", reference, s.unit()),
                    new double[] {first, last}, new double[] {reference, reference});
            ref.setLineColor(REFERENCE);
            ref.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {6f, 5f}, 0f));
            ref.setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }
}
