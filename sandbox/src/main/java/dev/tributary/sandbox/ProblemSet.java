package dev.tributary.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The built-in problems shipped under {@code dev/tributary/sandbox/problems/} with their generated cases. */
public final class ProblemSet {

    static final String RESOURCE_DIR = "/dev/tributary/sandbox/problems/";

    private final List<Problem> problems;

    ProblemSet(List<Problem> problems) {
        this.problems = List.copyOf(problems);
    }

    /** Loads every problem listed in {@code index.txt}, each with its shipped {@code .cases}. */
    public static ProblemSet builtIn() {
        List<Problem> out = new ArrayList<>();
        for (String line : read("index.txt").split("\n")) {
            String id = line.strip();
            if (id.isEmpty() || id.startsWith("#")) {
                continue;
            }
            List<TestCase> cases = ProblemFormat.parseCases(id, read(id + ".cases"));
            out.add(ProblemFormat.parseProblem(id, read(id + ".problem"), cases));
        }
        return new ProblemSet(out);
    }

    public List<Problem> problems() {
        return problems;
    }

    public Optional<Problem> find(String id) {
        return problems.stream().filter(p -> p.id().equals(id)).findFirst();
    }

    /** The problem with this id; an unknown id fails listing the valid ones. */
    public Problem get(String id) {
        return find(id).orElseThrow(() -> new IllegalArgumentException("unknown problem '" + id + "'; valid: "
                + problems.stream().map(Problem::id).toList()));
    }

    private static String read(String name) {
        try (InputStream in = ProblemSet.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE_DIR + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
