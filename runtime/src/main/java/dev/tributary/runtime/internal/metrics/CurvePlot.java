package dev.tributary.runtime.internal.metrics;

import dev.tributary.runtime.metrics.IterationMetrics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * A PNG of the run's learning curves: mean reward, held-out accuracy and mean response length against the
 * iteration, one panel each, with axes, ticks, labels and a title. Drawn headless with java.awt.
 */
public final class CurvePlot {
    static final int WIDTH = 1500;
    static final int HEIGHT = 520;
    static final Color BACKGROUND = Color.WHITE;
    private static final int TOP = 70;
    private static final int BOTTOM = 60;
    private static final int LEFT = 70;
    private static final int RIGHT = 25;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xd62728)};

    private record Series(String title, String unit, ToDoubleFunction<IterationMetrics> value, double min, double max) {
    }

    private static final List<Series> SERIES = List.of(
            new Series("Mean reward", "", IterationMetrics::meanReward, Double.NaN, Double.NaN),
            new Series("Held-out accuracy", "%", m -> 100 * m.heldOutAccuracy(), 0, 100),
            new Series("Mean response length", "tokens", IterationMetrics::meanResponseLength, 0, Double.NaN));

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
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(Color.BLACK);
            Text.draw(g, title, WIDTH / 2, 30, Text.CENTER, new Font(Font.SANS_SERIF, Font.BOLD, 20));
            for (int p = 0; p < SERIES.size(); p++) {
                drawPanel(g, history, SERIES.get(p), plotArea(p), COLORS[p], p == 1 ? 100 * startAccuracy : Double.NaN);
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

    /** The data rectangle of panel {@code p} (0 reward, 1 accuracy, 2 length), inside its axes. */
    static Rectangle plotArea(int p) {
        int panelWidth = WIDTH / SERIES.size();
        return new Rectangle(p * panelWidth + LEFT, TOP, panelWidth - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    }

    private static void drawPanel(Graphics2D g, List<IterationMetrics> history, Series s, Rectangle area, Color color,
                                  double reference) {
        double xMin = history.get(0).iteration();
        double xMax = history.get(history.size() - 1).iteration();
        double yMin = s.min();
        double yMax = s.max();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (IterationMetrics m : history) {
            double v = s.value().applyAsDouble(m);
            if (!Double.isNaN(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (!Double.isNaN(reference)) {
            lo = Math.min(lo, reference);
            hi = Math.max(hi, reference);
        }
        // Headroom on free sides keeps points off the frame.
        double pad = Math.max(0.05 * (hi - lo), 0.05 * Math.abs(hi));
        Axis x = Axis.of(xMin, xMax, 8);
        Axis y = Axis.of(Double.isNaN(yMin) ? lo - pad : Math.min(yMin, lo), Double.isNaN(yMax) ? hi + pad : Math.max(yMax, hi), 6);
        Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        g.setColor(new Color(0xe6e6e6));
        for (double t : y.ticks()) {
            int py = (int) Math.round(y.toPixel(t, area.y + area.height, area.y));
            g.drawLine(area.x, py, area.x + area.width, py);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.2f));
        g.drawRect(area.x, area.y, area.width, area.height);
        for (double t : x.ticks()) {
            int px = (int) Math.round(x.toPixel(t, area.x, area.x + area.width));
            g.drawLine(px, area.y + area.height, px, area.y + area.height + 5);
            Text.draw(g, x.label(t), px, area.y + area.height + 20, Text.CENTER, small);
        }
        for (double t : y.ticks()) {
            int py = (int) Math.round(y.toPixel(t, area.y + area.height, area.y));
            g.drawLine(area.x - 5, py, area.x, py);
            Text.draw(g, y.label(t), area.x - 8, py + 4, Text.RIGHT, small);
        }
        Text.draw(g, "iteration", area.x + area.width / 2, area.y + area.height + 42, Text.CENTER, small);
        Text.draw(g, s.unit().isEmpty() ? s.title() : s.title() + " (" + s.unit() + ")", area.x + area.width / 2, area.y - 12, Text.CENTER,
                new Font(Font.SANS_SERIF, Font.BOLD, 14));
        if (!Double.isNaN(reference)) {
            int py = (int) Math.round(y.toPixel(reference, area.y + area.height, area.y));
            g.setColor(Color.GRAY);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 5f}, 0f));
            g.drawLine(area.x, py, area.x + area.width, py);
            Text.draw(g, String.format(java.util.Locale.ROOT, "after SFT: %.1f%s", reference, s.unit()), area.x + 6,
                    py - 6, Text.LEFT, small);
        }
        drawCurve(g, history, s, area, x, y, color);
    }

    private static void drawCurve(Graphics2D g, List<IterationMetrics> history, Series s, Rectangle area, Axis x, Axis y,
                                  Color color) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        Path2D line = new Path2D.Double();
        boolean started = false;
        for (IterationMetrics m : history) {
            double v = s.value().applyAsDouble(m);
            if (Double.isNaN(v)) {
                continue;
            }
            double px = x.toPixel(m.iteration(), area.x, area.x + area.width);
            double py = y.toPixel(v, area.y + area.height, area.y);
            if (started) {
                line.lineTo(px, py);
            } else {
                line.moveTo(px, py);
                started = true;
            }
            g.fillOval((int) Math.round(px) - 3, (int) Math.round(py) - 3, 7, 7);
        }
        g.draw(line);
    }
}
