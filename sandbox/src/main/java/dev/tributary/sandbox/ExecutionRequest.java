package dev.tributary.sandbox;

/** One program to run once: its language, source text, standard input and limits. */
public record ExecutionRequest(Language language, String source, String stdin, Limits limits) {

    public ExecutionRequest {
        if (language == null) {
            throw new IllegalArgumentException("language must not be null");
        }
        if (source == null) {
            throw new IllegalArgumentException("source must not be null");
        }
        if (stdin == null) {
            throw new IllegalArgumentException("stdin must not be null (use \"\")");
        }
        if (limits == null) {
            throw new IllegalArgumentException("limits must not be null");
        }
    }

    public static ExecutionRequest of(Language language, String source, String stdin) {
        return new ExecutionRequest(language, source, stdin, Limits.defaults());
    }

    public ExecutionRequest withLimits(Limits l) {
        return new ExecutionRequest(language, source, stdin, l);
    }

    public ExecutionRequest withStdin(String in) {
        return new ExecutionRequest(language, source, in, limits);
    }
}
