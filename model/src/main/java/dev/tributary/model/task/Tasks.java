package dev.tributary.model.task;

import dev.tributary.model.registry.Registry;
import dev.tributary.model.token.Tokenizer;

/**
 * Built-in tasks by name ({@code tributary.task.name}); a task's settings come from {@code tributary.task.<name>}.
 */
public final class Tasks {
    /** The setting that names the task. */
    public static final String KEY = "tributary.task.name";

    private Tasks() {
    }

    /** What a task factory receives besides its settings: the run seed. */
    public record Context(long seed) {
    }

    public static Registry<Context, Task> registry() {
        return new Registry<>(KEY, Task.class, Context.class)
                .register(ArithmeticTask.NAME, (c, ctx) -> new ArithmeticTask(Tokenizer.standard(), c.getInt("max-digits"),
                        c.getBoolean("subtraction"), c.hasPath("scratchpad")
                        ? ArithmeticTask.Scratchpad.of(c.getString("scratchpad")) : ArithmeticTask.Scratchpad.STANDARD))
                .register(DigitsTask.NAME, (c, ctx) -> new DigitsTask(new Tokenizer(DigitsTask.ALPHABET),
                        c.getDouble("noise")));
    }
}
