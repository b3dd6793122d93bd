package dev.tributary.runtime.internal.metrics;

import dev.tributary.model.Image;
import dev.tributary.model.Prompt;
import dev.tributary.model.token.Tokenizer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A few of a run's image prompts as PNG files, so a person can see what the policy is shown: {@code samples/}
 * in the out-dir, one picture per prompt (each pixel drawn as a square) and {@code samples/prompts.txt} with the
 * question and the answer of each. Written once, at the start of a fresh run; a text task writes nothing.
 */
public final class SamplePictures {
    /** The folder in the out-dir. */
    public static final String DIR = "samples";
    private static final int MAX_SIDE_PX = 256;

    private SamplePictures() {
    }

    /** Writes up to {@code n} of {@code prompts} that carry images; returns the files written. */
    public static List<Path> write(Path out, List<Prompt> prompts, Tokenizer tokenizer, int n) throws IOException {
        List<Path> files = new ArrayList<>();
        StringBuilder index = new StringBuilder();
        for (Prompt p : prompts) {
            if (files.size() == n) {
                break;
            }
            if (!p.hasImages()) {
                continue;
            }
            Path dir = Files.createDirectories(out.resolve(DIR));
            for (int i = 0; i < p.images().size(); i++) {
                Path file = dir.resolve(String.format("prompt-%d%s.png", files.size() + 1,
                        p.images().size() == 1 ? "" : "-" + (char) ('a' + i)));
                ImageIO.write(render(p.images().get(i)), "png", file.toFile());
                index.append(file.getFileName()).append('\t')
                        .append(tokenizer.decode(p.tokens(), 1, p.length())).append("\tanswer ")
                        .append(p.groundTruth()).append('\t').append(p.id()).append('\n');
                if (i == p.images().size() - 1) {
                    files.add(file);
                }
            }
        }
        if (!files.isEmpty()) {
            Files.writeString(out.resolve(DIR).resolve("prompts.txt"), index.toString());
        }
        return files;
    }

    /** Each pixel as a square of the same grey (or colour, for 3 or 4 channels), the picture at most 256 px wide. */
    static BufferedImage render(Image im) {
        int scale = Math.max(1, MAX_SIDE_PX / Math.max(im.height(), im.width()));
        BufferedImage out = new BufferedImage(im.width() * scale, im.height() * scale, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < im.height(); y++) {
            for (int x = 0; x < im.width(); x++) {
                int r = level(im.at(y, x, 0));
                int g = im.channels() >= 3 ? level(im.at(y, x, 1)) : r;
                int b = im.channels() >= 3 ? level(im.at(y, x, 2)) : r;
                int rgb = (r << 16) | (g << 8) | b;
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        out.setRGB(x * scale + dx, y * scale + dy, rgb);
                    }
                }
            }
        }
        return out;
    }

    private static int level(float v) {
        return Math.round(v * 255);
    }
}
