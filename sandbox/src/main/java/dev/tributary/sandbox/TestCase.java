package dev.tributary.sandbox;

/** One judged input and the output a correct program prints for it. */
public record TestCase(String input, String expectedOutput) {

    public TestCase {
        if (input == null || expectedOutput == null) {
            throw new IllegalArgumentException("input " + input + " and expected output must not be null");
        }
    }
}
