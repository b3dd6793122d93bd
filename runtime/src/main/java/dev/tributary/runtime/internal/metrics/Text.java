package dev.tributary.runtime.internal.metrics;

import java.awt.Font;
import java.awt.Graphics2D;

/** Anchored text drawing that tolerates a JVM without usable fonts: the curves matter more than their labels. */
final class Text {
    static final int CENTER = 0;
    static final int RIGHT = 1;
    static final int LEFT = 2;
    private static volatile boolean fontsBroken;

    private Text() {
    }

    static void draw(Graphics2D g, String s, int x, int y, int anchor, Font font) {
        if (fontsBroken) {
            return;
        }
        try {
            g.setFont(font);
            int w = g.getFontMetrics().stringWidth(s);
            g.drawString(s, anchor == CENTER ? x - w / 2 : anchor == LEFT ? x : x - w, y);
        } catch (RuntimeException | InternalError | UnsatisfiedLinkError e) {
            // Minimal images lack fontconfig; plotting unlabelled beats failing the end of a run.
            fontsBroken = true;
        }
    }
}
