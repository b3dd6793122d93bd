package dev.tributary.clusterconfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The Kubernetes manifests as parsed YAML documents, with small typed accessors for the tests. */
final class Manifests {

    /** The manifests' folder under {@link Overlays#DIR}. */
    static final String DIR = "kubernetes/";

    /** One YAML document and the file it came from. */
    record Doc(String file, Map<String, Object> body) {
        String kind() {
            return (String) body.get("kind");
        }

        String name() {
            return str(body, "metadata", "name");
        }
    }

    private Manifests() {
    }

    /** Every document of every {@code .yaml} file under kubernetes/, in file order. */
    static List<Doc> all() {
        List<Doc> docs = new ArrayList<>();
        for (String file : Overlays.listFiles(".yaml")) {
            if (file.startsWith(DIR)) {
                docs.addAll(parse(file));
            }
        }
        return docs;
    }

    /** The documents of one file; an empty document (a stray '---') is refused. */
    @SuppressWarnings("unchecked")
    static List<Doc> parse(String file) {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        try (InputStream in = Manifests.class.getClassLoader().getResourceAsStream(Overlays.DIR + "/" + file)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + file);
            }
            List<Doc> docs = new ArrayList<>();
            for (Object o : yaml.loadAll(in)) {
                if (!(o instanceof Map<?, ?> m)) {
                    throw new IllegalStateException(file + ": a document is " + o + ", not a mapping");
                }
                docs.add(new Doc(file, (Map<String, Object>) m));
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value at a path of mapping keys, or null where any step is missing. */
    static Object at(Object node, String... path) {
        Object cur = node;
        for (String key : path) {
            if (!(cur instanceof Map<?, ?> m)) {
                return null;
            }
            cur = m.get(key);
        }
        return cur;
    }

    static String str(Object node, String... path) {
        Object v = at(node, path);
        return v == null ? null : v.toString();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object node, String... path) {
        Object v = at(node, path);
        return v instanceof Map<?, ?> ? (Map<String, Object>) v : Map.of();
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object node, String... path) {
        Object v = at(node, path);
        return v instanceof List<?> ? (List<Object>) v : List.of();
    }

    /** A Kubernetes CPU quantity in cores: "500m" is 0.5, "6" is 6. */
    static BigDecimal cpu(String quantity) {
        return quantity.endsWith("m")
                ? new BigDecimal(quantity.substring(0, quantity.length() - 1)).movePointLeft(3)
                : new BigDecimal(quantity);
    }

    /** A Kubernetes memory quantity with a binary suffix (Ki, Mi, Gi) in bytes. */
    static long bytes(String quantity) {
        String[] suffixes = {"Ki", "Mi", "Gi", "Ti"};
        for (int i = 0; i < suffixes.length; i++) {
            if (quantity.endsWith(suffixes[i])) {
                return Long.parseLong(quantity.substring(0, quantity.length() - 2)) << (10 * (i + 1));
            }
        }
        return Long.parseLong(quantity);
    }
}
