package dev.tributary.sandbox;

import dev.tributary.sandbox.ExecutionResult.Status;
import java.util.ArrayList;
import java.util.List;

/** Runs a program on test cases, one isolated run per case, and compares outputs. */
public final class Judge {

    /** One case's outcome; {@code result} is the run (null for cases skipped after a failure). */
    public record CaseResult(int index, boolean passed, Status status, ExecutionResult result) {
    }

    /** All cases' outcomes and the fraction passed (over all cases, skipped ones counting as failed). */
    public record Report(List<CaseResult> cases, int passed, int total) {

        public Report {
            cases = List.copyOf(cases);
            if (passed < 0 || passed > total) {
                throw new IllegalArgumentException("passed " + passed + " must be within 0.." + total);
            }
        }

        public double passFraction() {
            return total == 0 ? 0 : (double) passed / total;
        }

        public boolean allPassed() {
            return total > 0 && passed == total;
        }
    }

    private final Sandbox sandbox;

    public Judge(Sandbox sandbox) {
        this.sandbox = sandbox;
    }

    public Report judge(Program program, List<TestCase> cases, Comparison comparison, Limits limits) {
        return judge(program, cases, comparison, limits, /* stopAtFirstFailure= */ false);
    }

    /** With {@code stopAtFirstFailure} the remaining cases are skipped (and count as failed) after one fails. */
    public Report judge(Program program, List<TestCase> cases, Comparison comparison, Limits limits,
                        boolean stopAtFirstFailure) {
        List<CaseResult> out = new ArrayList<>(cases.size());
        int passed = 0;
        boolean stop = false;
        for (int i = 0; i < cases.size(); i++) {
            if (stop) {
                out.add(new CaseResult(i, false, null, null));
                continue;
            }
            TestCase c = cases.get(i);
            ExecutionResult r = sandbox.execute(program.request(c.input(), limits));
            boolean ok = r.ok() && comparison.matches(c.expectedOutput(), r.stdout());
            out.add(new CaseResult(i, ok, r.status(), r));
            if (ok) {
                passed++;
            }
            // a program that does not compile fails every case the same way: no need to rerun
            stop = !ok && (stopAtFirstFailure || r.status() == Status.COMPILE_ERROR);
        }
        return new Report(out, passed, cases.size());
    }
}
