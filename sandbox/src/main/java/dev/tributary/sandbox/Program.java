package dev.tributary.sandbox;

/** Source text in a language: what a judge runs. */
public record Program(Language language, String source) {

    public Program {
        if (language == null) {
            throw new IllegalArgumentException("language must not be null");
        }
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("source of a " + language + " program must not be blank");
        }
    }

    public static Program python(String source) {
        return new Program(Language.PYTHON3, source);
    }

    public ExecutionRequest request(String stdin, Limits limits) {
        return new ExecutionRequest(language, source, stdin, limits);
    }
}
