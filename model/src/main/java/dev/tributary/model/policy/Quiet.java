package dev.tributary.model.policy;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * SameDiff prints a line per differentiated op to stdout the first time gradients are built; this keeps that
 * out of user and test output by filtering those lines only, leaving everything else the program prints.
 */
final class Quiet {
    private static final Object LOCK = new Object();

    private Quiet() {
    }

    static <T> T call(Callable<T> body) {
        synchronized (LOCK) {
            PrintStream original = System.out;
            System.setOut(new PrintStream(new LineFilter(original), true));
            try {
                return body.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                System.out.flush();
                System.setOut(original);
            }
        }
    }

    /** Drops lines starting with "Added differentiated op"; forwards all other lines unchanged. */
    private static final class LineFilter extends OutputStream {
        private final PrintStream target;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineFilter(PrintStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            line.write(b);
            if (b == '\n') {
                flushLine();
            }
        }

        @Override
        public void flush() {
            if (line.size() > 0) {
                flushLine();
            }
        }

        private void flushLine() {
            String s = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (!s.startsWith("Added differentiated op")) {
                target.print(s);
            }
        }
    }
}
