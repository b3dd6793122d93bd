package dev.tributary.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Regenerates the shipped {@code .cases} files with the paper's procedure. Run from the repo root:
 * {@code java -cp sandbox/target/classes:<slf4j-api.jar> dev.tributary.sandbox.ProblemSetBuilder
 * sandbox/src/main/resources/dev/tributary/sandbox/problems}. Fails when a problem is not kept.
 */
public final class ProblemSetBuilder {

    /** Cases per problem, before filtering. */
    public static final int CASES = 10;

    private ProblemSetBuilder() {
    }

    /** The paper's generation for one problem, from its own seed. */
    public static TestCaseGenerator.Generated generate(TestCaseGenerator generator, Problem p) {
        return generator.generate(p.generator(), p.references(), p.comparison(), Limits.defaults(),
                TestCaseGenerator.Settings.paper(CASES, p.seed()));
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "sandbox/src/main/resources/dev/tributary/sandbox/problems");
        try (Sandbox sandbox = Sandbox.create()) {
            TestCaseGenerator generator = new TestCaseGenerator(sandbox, Runtime.getRuntime().availableProcessors());
            for (String line : Files.readAllLines(dir.resolve("index.txt"))) {
                String id = line.strip();
                if (id.isEmpty() || id.startsWith("#")) {
                    continue;
                }
                Problem p = ProblemFormat.parseProblem(id, Files.readString(dir.resolve(id + ".problem")), List.of());
                TestCaseGenerator.Generated g = generate(generator, p);
                System.out.printf("%-24s kept %2d cases, rejected %d, %d/%d references pass all%n", id,
                        g.cases().size(), g.rejectedCases(), g.referencesPassingAll(), p.references().size());
                if (!g.problemKept()) {
                    throw new IllegalStateException("problem " + id + " is not kept by the paper's thresholds");
                }
                Files.writeString(dir.resolve(id + ".cases"), ProblemFormat.writeCases(g.cases()), StandardCharsets.UTF_8);
            }
        }
    }
}
