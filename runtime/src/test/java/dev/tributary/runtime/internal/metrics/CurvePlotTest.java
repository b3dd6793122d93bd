package dev.tributary.runtime.internal.metrics;

import dev.tributary.runtime.metrics.IterationMetrics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurvePlotTest {
    @Test
    void png_decodesWithCurvesInEveryPanel(@TempDir Path dir) throws IOException {
        List<IterationMetrics> history = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            history.add(MetricsTest.metrics(i, i % 3 == 2 ? Double.NaN : 0.4 + 0.02 * i));
        }
        Path png = dir.resolve("out/curves.png");
        CurvePlot.write(history, "arithmetic, OPMD, seed 7", png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "not a decodable image");
        assertEquals(CurvePlot.WIDTH, image.getWidth());
        assertEquals(CurvePlot.HEIGHT, image.getHeight());
        for (int p = 0; p < 3; p++) {
            assertTrue(coloured(image, inner(CurvePlot.panel(p, 3))) > 200, "panel " + p + " has no curve");
            assertTrue(dark(image, new Rectangle(CurvePlot.panel(p, 3).x, CurvePlot.panel(p, 3).y + 40,
                    60, CurvePlot.panel(p, 3).height - 100)) > 20, "panel " + p + " has no tick labels");
        }
        assertTrue(dark(image, new Rectangle(0, 0, CurvePlot.WIDTH, 40)) > 50, "no title");
    }

    @Test
    void startAccuracy_isADashedReferenceInTheAccuracyPanelOnly(@TempDir Path dir) throws IOException {
        List<IterationMetrics> history = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            history.add(MetricsTest.metrics(i, 0.6 + 0.02 * i));
        }
        Path with = dir.resolve("with.png");
        Path without = dir.resolve("without.png");
        CurvePlot.write(history, "t", with, 0.2);
        CurvePlot.write(history, "t", without);
        BufferedImage a = ImageIO.read(with.toFile());
        BufferedImage b = ImageIO.read(without.toFile());
        assertTrue(grey(a, inner(CurvePlot.panel(1, 3))) > grey(b, inner(CurvePlot.panel(1, 3))) + 100, "no reference line");
        assertEquals(grey(b, inner(CurvePlot.panel(0, 3))), grey(a, inner(CurvePlot.panel(0, 3))),
                "the reference belongs to the accuracy panel");
    }

    private static int grey(BufferedImage image, Rectangle r) {
        int n = 0;
        for (int x = r.x; x < r.x + r.width; x++) {
            for (int y = r.y; y < r.y + r.height; y++) {
                int rgb = image.getRGB(x, y);
                int red = rgb >> 16 & 0xff;
                // The reference line's grey (with antialiased edges): neither the black text nor the light grid.
                n += red == (rgb >> 8 & 0xff) && red == (rgb & 0xff) && red >= 0x70 && red <= 0x90 ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void anAsynchronousRun_hasAFourthPanel_theStalenessOfItsTrainedTokens(@TempDir Path dir) throws IOException {
        List<IterationMetrics> history = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            history.add(new IterationMetrics(i, 0.5, 0.5 + 0.02 * i, 20, 1000, 0, 0, 0, 1, 1, 0, 0, 64, 0.9, 0.5, 2,
                    i % 3, 1 + i % 3, 2 + i % 3, 0));
        }
        Path png = dir.resolve("async.png");
        CurvePlot.write(history, "async", png);
        BufferedImage image = ImageIO.read(png.toFile());
        for (int p = 0; p < 4; p++) {
            assertTrue(coloured(image, inner(CurvePlot.panel(p, 4))) > 100, "panel " + p + " of 4 has no curve");
        }
        assertEquals(4, CurvePlot.panels(history).size());
        assertEquals(3, CurvePlot.panels(history.stream().map(m -> MetricsTest.metrics(m.iteration(), 0.5)).toList())
                .size(), "a synchronous run has no staleness panel");
    }

    @Test
    void singleIteration_stillPlots(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("one.png");
        CurvePlot.write(List.of(MetricsTest.metrics(0, 0.5)), "one", png);
        BufferedImage image = ImageIO.read(png.toFile());
        for (int p = 0; p < 3; p++) {
            assertTrue(coloured(image, inner(CurvePlot.panel(p, 3))) > 10, "panel " + p + " shows no point");
        }
    }

    @Test
    void emptyHistory_isRefused(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class, () -> CurvePlot.write(List.of(), "none", dir.resolve("x.png")));
    }

    private static Rectangle inner(Rectangle r) {
        return new Rectangle(r.x + 2, r.y + 2, r.width - 4, r.height - 4);
    }

    /** Saturated pixels: the curves, not the black axes or grey grid lines. */
    private static int coloured(BufferedImage image, Rectangle r) {
        int n = 0;
        for (int y = r.y; y < r.y + r.height; y++) {
            for (int x = r.x; x < r.x + r.width; x++) {
                int rgb = image.getRGB(x, y);
                int red = rgb >> 16 & 0xff;
                int green = rgb >> 8 & 0xff;
                int blue = rgb & 0xff;
                if (Math.max(red, Math.max(green, blue)) - Math.min(red, Math.min(green, blue)) > 80) {
                    n++;
                }
            }
        }
        return n;
    }

    private static int dark(BufferedImage image, Rectangle r) {
        int n = 0;
        for (int y = Math.max(0, r.y); y < r.y + r.height; y++) {
            for (int x = Math.max(0, r.x); x < r.x + r.width; x++) {
                int rgb = image.getRGB(x, y);
                if ((rgb >> 16 & 0xff) < 100 && (rgb >> 8 & 0xff) < 100 && (rgb & 0xff) < 100) {
                    n++;
                }
            }
        }
        return n;
    }
}
