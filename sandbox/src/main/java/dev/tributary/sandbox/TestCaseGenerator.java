package dev.tributary.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Test-case generation as in Kimi k1.5 §2.3: a generator program writes inputs; a case is kept only
 * when enough reference solutions agree on its output; a problem is kept only when enough
 * references pass all kept cases. Case i's generator gets {@code seed + i} on stdin, so a fixed seed
 * reproduces the same cases.
 */
public final class TestCaseGenerator {

    /**
     * @param cases         generator runs (candidate cases)
     * @param seed          seed of case 0
     * @param caseAgreement fraction of references that must agree on a case's output (paper: 7 of 10)
     * @param problemPass   fraction of references that must pass every kept case (paper: 9 of 10)
     */
    public record Settings(int cases, long seed, double caseAgreement, double problemPass) {

        public Settings {
            if (cases < 1) {
                throw new IllegalArgumentException("cases " + cases + " must be >= 1");
            }
            if (!(caseAgreement > 0 && caseAgreement <= 1) || !(problemPass > 0 && problemPass <= 1)) {
                throw new IllegalArgumentException("case agreement " + caseAgreement + " and problem pass "
                        + problemPass + " must be in (0, 1]");
            }
        }

        public static Settings paper(int cases, long seed) {
            return new Settings(cases, seed, /* caseAgreement= */ 0.7, /* problemPass= */ 0.9);
        }

        static int required(double fraction, int of) {
            return (int) Math.ceil(fraction * of - 1e-9);
        }
    }

    /** The kept cases, how many candidates were dropped, and whether the problem itself is kept. */
    public record Generated(List<TestCase> cases, int rejectedCases, int referencesPassingAll, boolean problemKept) {

        public Generated {
            cases = List.copyOf(cases);
        }
    }

    private final Sandbox sandbox;
    private final int parallelism;

    public TestCaseGenerator(Sandbox sandbox, int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism " + parallelism + " must be >= 1");
        }
        this.sandbox = sandbox;
        this.parallelism = parallelism;
    }

    public Generated generate(Program generator, List<Program> references, Comparison comparison, Limits limits,
                              Settings settings) {
        if (references.isEmpty()) {
            throw new IllegalArgumentException("at least one reference solution is needed");
        }
        int refs = references.size();
        int agreeNeeded = Settings.required(settings.caseAgreement(), refs);
        int passNeeded = Settings.required(settings.problemPass(), refs);
        ExecutorService pool = Executors.newFixedThreadPool(parallelism);
        try {
            List<CompletableFuture<String>> inputs = new ArrayList<>();
            for (int i = 0; i < settings.cases(); i++) {
                String seed = (settings.seed() + i) + "\n";
                inputs.add(CompletableFuture.supplyAsync(() -> {
                    ExecutionResult r = sandbox.execute(generator.request(seed, limits));
                    return r.ok() ? r.stdout() : null;
                }, pool));
            }
            List<List<CompletableFuture<ExecutionResult>>> outputs = new ArrayList<>();
            for (CompletableFuture<String> input : inputs) {
                List<CompletableFuture<ExecutionResult>> row = new ArrayList<>();
                for (Program ref : references) {
                    row.add(input.thenApplyAsync(in -> in == null ? null : sandbox.execute(ref.request(in, limits)), pool));
                }
                outputs.add(row);
            }
            List<TestCase> kept = new ArrayList<>();
            boolean[] failedSome = new boolean[refs];
            int rejected = 0;
            for (int i = 0; i < inputs.size(); i++) {
                String input = inputs.get(i).join();
                List<ExecutionResult> results = outputs.get(i).stream().map(CompletableFuture::join).toList();
                String agreed = input == null ? null : majority(results, comparison, agreeNeeded);
                if (agreed == null) {
                    rejected++;
                    continue;
                }
                kept.add(new TestCase(input, agreed));
                for (int r = 0; r < refs; r++) {
                    ExecutionResult res = results.get(r);
                    if (!res.ok() || !comparison.matches(agreed, res.stdout())) {
                        failedSome[r] = true;
                    }
                }
            }
            int passingAll = 0;
            for (boolean f : failedSome) {
                passingAll += f ? 0 : 1;
            }
            return new Generated(kept, rejected, passingAll, !kept.isEmpty() && passingAll >= passNeeded);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The output that at least {@code needed} successful references agree on, or null. */
    private static String majority(List<ExecutionResult> results, Comparison comparison, int needed) {
        for (ExecutionResult candidate : results) {
            if (!candidate.ok()) {
                continue;
            }
            long agreeing = results.stream()
                    .filter(r -> r.ok() && comparison.matches(candidate.stdout(), r.stdout()))
                    .count();
            if (agreeing >= needed) {
                return candidate.stdout();
            }
        }
        return null;
    }
}
