package dev.tributary.model.reward;

import dev.tributary.model.token.Tokenizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * A saved reward model: a magic line, a format version, a header naming the task, the tokenizer's alphabet and the
 * model's shape (plus free-form facts such as the held-out accuracy it reached), then Deeplearning4j's own
 * serialization of the graph with its length and CRC32C. {@link #load} refuses, in one line naming the file, a
 * missing path, a file that is not a reward model, a damaged one, and a model of another task or tokenizer.
 */
public final class RewardModelFile {
    static final String MAGIC = "TRIBUTARY-REWARD-MODEL";
    static final int FORMAT = 1;

    private RewardModelFile() {
    }

    /** What a saved model says about itself. */
    public record Header(String task, String alphabet, RewardModelShape shape, Map<String, String> facts) {
        public Header {
            facts = Map.copyOf(facts);
        }
    }

    /** Writes {@code model} to {@code path} (atomically: a temporary file is moved into place). */
    public static void save(RewardModel model, Path path, Map<String, String> facts) {
        try {
            ByteArrayOutputStream graph = new ByteArrayOutputStream();
            ModelSerializer.writeModel(model.graph(), graph, /* saveUpdater= */ false);
            byte[] payload = graph.toByteArray();
            Properties p = new Properties();
            p.putAll(facts);
            p.setProperty("task", model.task());
            p.setProperty("tokenizer", model.alphabet());
            RewardModelShape s = model.shape();
            p.setProperty("vocab", Integer.toString(s.vocabSize()));
            p.setProperty("context", Integer.toString(s.contextLength()));
            p.setProperty("embedding", Integer.toString(s.embedding()));
            p.setProperty("hidden", Integer.toString(s.hidden()));
            p.setProperty("kernel", Integer.toString(s.kernel()));
            StringWriter header = new StringWriter();
            p.store(header, null);
            Path dir = path.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".reward-model-", ".tmp");
            try (OutputStream os = Files.newOutputStream(tmp); DataOutputStream out = new DataOutputStream(os)) {
                out.writeUTF(MAGIC);
                out.writeInt(FORMAT);
                out.writeUTF(header.toString());
                out.writeInt(payload.length);
                out.writeLong(crc(payload));
                out.write(payload);
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the reward model to " + path + ": " + e.getMessage(), e);
        }
    }

    /** Reads only the header of {@code path}: what task, tokenizer and shape it was saved with. */
    public static Header header(Path path) {
        try (InputStream in = open(path); DataInputStream data = new DataInputStream(in)) {
            return readHeader(path, data);
        } catch (IOException e) {
            throw refused(path, "could not be read: " + e.getMessage());
        }
    }

    /**
     * Loads the model saved at {@code path} for {@code task} with {@code tokenizer}; anything else is refused with
     * an {@link IllegalArgumentException} of one line.
     */
    public static RewardModel load(Path path, String task, Tokenizer tokenizer) {
        byte[] payload;
        Header h;
        try (InputStream in = open(path); DataInputStream data = new DataInputStream(in)) {
            h = readHeader(path, data);
            if (!h.task().equals(task)) {
                throw refused(path, "is a reward model of task '" + h.task() + "', but this run's task is '" + task
                        + "'");
            }
            if (!h.alphabet().equals(tokenizer.alphabet())) {
                throw refused(path, "was trained with the tokenizer alphabet '" + h.alphabet() + "', but this run's "
                        + "tokenizer has '" + tokenizer.alphabet() + "'");
            }
            int length = data.readInt();
            long crc = data.readLong();
            if (length < 0) {
                throw refused(path, "is corrupt: its payload length " + length + " is negative");
            }
            payload = data.readNBytes(length);
            if (payload.length != length) {
                throw refused(path, "is corrupt: it ends after " + payload.length + " of its " + length
                        + " payload bytes");
            }
            if (crc(payload) != crc) {
                throw refused(path, "is corrupt: payload checksum " + Long.toHexString(crc(payload))
                        + ", the header says " + Long.toHexString(crc));
            }
        } catch (EOFException e) {
            throw refused(path, "is corrupt: it ends inside its header");
        } catch (IOException e) {
            throw refused(path, "could not be read: " + e.getMessage());
        }
        ComputationGraph graph;
        try {
            graph = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(payload), false);
        } catch (IOException | RuntimeException e) {
            throw refused(path, "is corrupt: its graph does not load (" + e.getClass().getSimpleName() + ")");
        }
        RewardModel fresh = RewardModel.create(h.shape(), h.task(), tokenizer, 1e-3, 0);
        if (graph.numParams() != fresh.parameters()) {
            throw refused(path, "is corrupt: its graph has " + graph.numParams() + " parameters, its header's shape ("
                    + h.shape().describe() + ") has " + fresh.parameters());
        }
        return new RewardModel(h.shape(), h.task(), h.alphabet(), graph);
    }

    private static InputStream open(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw refused(path, "does not exist");
        }
        if (!Files.isRegularFile(path)) {
            throw refused(path, "is not a file");
        }
        return Files.newInputStream(path);
    }

    private static Header readHeader(Path path, DataInputStream data) throws IOException {
        byte[] start = data.readNBytes(2 + MAGIC.length());
        if (start.length < 2 + MAGIC.length() || !new String(start, 2, MAGIC.length(),
                java.nio.charset.StandardCharsets.ISO_8859_1).equals(MAGIC)) {
            throw refused(path, "is not a Tributary reward model file (it does not start with " + MAGIC + ")");
        }
        int format = data.readInt();
        if (format != FORMAT) {
            throw refused(path, "has format version " + format + "; this build reads version " + FORMAT);
        }
        Properties p = new Properties();
        p.load(new StringReader(data.readUTF()));
        Map<String, String> facts = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            facts.put(k, p.getProperty(k));
        }
        try {
            RewardModelShape shape = new RewardModelShape(number(path, p, "vocab"), number(path, p, "context"),
                    number(path, p, "embedding"), number(path, p, "hidden"), number(path, p, "kernel"));
            String task = p.getProperty("task");
            String alphabet = p.getProperty("tokenizer");
            if (task == null || alphabet == null) {
                throw refused(path, "is corrupt: its header names no " + (task == null ? "task" : "tokenizer"));
            }
            return new Header(task, alphabet, shape, facts);
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith("reward model file") ? e : refused(path, "is corrupt: " + e.getMessage());
        }
    }

    private static int number(Path path, Properties p, String key) {
        String v = p.getProperty(key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw refused(path, "is corrupt: its header's " + key + " is " + (v == null ? "missing" : "'" + v + "'"));
        }
    }

    private static long crc(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return c.getValue();
    }

    private static IllegalArgumentException refused(Path path, String why) {
        return new IllegalArgumentException("reward model file " + path + " " + why);
    }
}
