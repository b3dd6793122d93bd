package dev.tributary.sandbox;

import java.util.List;

/**
 * A programming problem with its reference solutions, input generator and test cases.
 *
 * @param seed seed of the generator's first case, so the cases can be regenerated exactly
 */
public record Problem(String id, String title, String statement, Comparison comparison, List<Program> references,
                      Program generator, long seed, List<TestCase> cases) {

    public Problem {
        if (id == null || !id.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("problem id '" + id + "' must be lower-case letters, digits and '-'");
        }
        if (statement == null || statement.isBlank()) {
            throw new IllegalArgumentException("problem " + id + " has no statement");
        }
        if (references == null || references.isEmpty()) {
            throw new IllegalArgumentException("problem " + id + " has no reference solution");
        }
        if (comparison == null || generator == null || cases == null) {
            throw new IllegalArgumentException("problem " + id + " needs a comparison, a generator and cases");
        }
        references = List.copyOf(references);
        cases = List.copyOf(cases);
    }

    public Problem withCases(List<TestCase> newCases) {
        return new Problem(id, title, statement, comparison, references, generator, seed, newCases);
    }
}
