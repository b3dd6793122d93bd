package dev.tributary.model.task;

import dev.tributary.model.registry.Registry;
import dev.tributary.model.token.Tokenizer;

/** Built-in tasks by name; settings come from {@code tributary.task.<name>}. */
public final class Tasks {
    private Tasks() {
    }

    public static Registry<Task> registry() {
        return new Registry<>("task", Task.class)
                .register(ArithmeticTask.NAME, c -> new ArithmeticTask(Tokenizer.standard(), c.getInt("max-digits"),
                        c.getBoolean("subtraction")));
    }
}
