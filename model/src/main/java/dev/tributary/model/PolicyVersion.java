package dev.tributary.model;

/** The number of optimizer iterations behind a set of weights; version 0 is the initial (or warm-started) policy. */
public record PolicyVersion(long number) implements Comparable<PolicyVersion> {
    public static final PolicyVersion INITIAL = new PolicyVersion(0);

    public PolicyVersion {
        if (number < 0) {
            throw new IllegalArgumentException("policy version " + number + " must be >= 0");
        }
    }

    public PolicyVersion next() {
        return new PolicyVersion(number + 1);
    }

    /** How many versions this one lags behind {@code newer}. */
    public long age(PolicyVersion newer) {
        return newer.number - number;
    }

    @Override
    public int compareTo(PolicyVersion o) {
        return Long.compare(number, o.number);
    }

    @Override
    public String toString() {
        return "v" + number;
    }
}
