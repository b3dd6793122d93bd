package dev.tributary.runtime.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ListResourceBundle;

/** Option descriptions of {@code train} with the defaults read from reference.conf, so help never goes stale. */
final class HelpTexts extends ListResourceBundle {
    private final Object[][] contents;

    private HelpTexts(Object[][] contents) {
        this.contents = contents;
    }

    static HelpTexts withDefaults() {
        Config c = ConfigFactory.defaultReference();
        return new HelpTexts(new Object[][] {
            {"config", "HOCON file of tributary.* settings, layered over application.conf and reference.conf."},
            {"task", "Task to train on (tributary.task.name). Default: " + c.getString("tributary.task.name") + "."},
            {"iterations", "RL iterations (tributary.run.iterations). Default: " + c.getInt("tributary.run.iterations")
                    + "."},
            {"seed", "Seed of the run (tributary.run.seed; env TRIBUTARY_SEED). Default: "
                    + c.getLong("tributary.run.seed") + "."},
            {"out", "Output directory for metrics, curves and checkpoints (tributary.run.out-dir; env "
                    + "TRIBUTARY_OUT_DIR). Default: " + (c.getString("tributary.run.out-dir").isEmpty()
                    ? "a new runs/<date-time>" : c.getString("tributary.run.out-dir")) + "."},
            {"resume", "Continue from the latest checkpoint in the output directory, given with --out "
                    + "(tributary.run.resume)."},
            {"set", "Sets any tributary.* key, e.g. --set tributary.rollout.token-budget=32. Repeatable."},
        });
    }

    @Override
    protected Object[][] getContents() {
        return contents;
    }
}
