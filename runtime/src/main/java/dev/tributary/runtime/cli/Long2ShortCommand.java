package dev.tributary.runtime.cli;

import dev.tributary.runtime.internal.Long2ShortJob;
import dev.tributary.runtime.settings.TributarySettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tributary long2short --from <run dir>}. */
@Command(name = "long2short", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs the long2short methods of Kimi k1.5 (model merge, shortest rejection sampling, DPO, "
                + "long2short RL) on the policy of a run trained with tributary.task.arithmetic.scratchpad = long, "
                + "and prints mean response tokens, held-out accuracy and tokens per correct answer for each, with "
                + "the long and a short policy as rows; writes long2short.md and long2short.png.",
        footer = {"", "Settings: tributary.long2short.* (runtime/src/main/resources/reference.conf), over the run's own.",
            "Exit codes: 0 done, 1 the job failed, 2 bad options or settings."})
final class Long2ShortCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "<run dir>",
            description = "Out-dir of a tributary train run with the long scratchpad (its settings.conf and checkpoints).")
    Path from;

    @Option(names = "--out", paramLabel = "<dir>", description = "Where to write the table, the plot and the RL "
            + "run. Default: <run dir>/long2short.")
    Path out;

    @Option(names = "--set", paramLabel = "<key=value>", description = "Any tributary.* setting; repeatable.")
    Map<String, String> sets = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path dir = out != null ? out : from.resolve("long2short");
        List<Long2ShortJob.Row> rows;
        try {
            Map<String, Object> overrides = new LinkedHashMap<>();
            for (var e : sets.entrySet()) {
                if (!e.getKey().startsWith("tributary.")) {
                    throw new IllegalArgumentException("--set " + e.getKey() + "=" + e.getValue()
                            + ": expected a key under tributary., e.g. tributary.long2short.samples=8");
                }
                overrides.put(e.getKey().strip(), e.getValue());
            }
            TributarySettings settings = Long2ShortJob.runSettings(from, overrides);
            rows = Long2ShortJob.run(from, settings, dir, line -> {
                o.println(line);
                o.flush();
            });
        } catch (IllegalArgumentException | com.typesafe.config.ConfigException e) {
            err.println("tributary long2short: " + RunCommand.oneLine(e.getMessage()));
            return TributaryCli.BAD_SETTINGS;
        } catch (RuntimeException e) {
            err.println("tributary long2short: failed: " + RunCommand.describe(e));
            if (RunCommand.debugging()) {
                e.printStackTrace(err);
            }
            return 1;
        }
        String table = Long2ShortJob.table(rows);
        o.println();
        o.print(table);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("long2short.md"), table);
            Long2ShortJob.plot(rows, dir.resolve("long2short.png"));
            o.println("long2short.md, long2short.png and the RL run (long2short-rl/) in " + dir);
        } catch (java.io.IOException e) {
            err.println("tributary long2short: could not write into " + dir + ": " + e.getMessage());
            return 1;
        }
        o.flush();
        return 0;
    }
}
