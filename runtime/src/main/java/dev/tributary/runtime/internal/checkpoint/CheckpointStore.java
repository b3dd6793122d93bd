package dev.tributary.runtime.internal.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoints under {@code <out>/checkpoints/iter-<N>/checkpoint.bin}. A save writes into a temporary directory,
 * forces it to disk, renames it into place and only then replaces the {@code latest} pointer file (itself written
 * and renamed atomically), so a crash at any point leaves the previous latest checkpoint intact and pointed to.
 * The newest {@code keep} checkpoints are kept.
 */
public final class CheckpointStore {
    static final String FILE = "checkpoint.bin";
    static final String LATEST = "latest";
    private static final Pattern NAME = Pattern.compile("iter-(\\d+)");
    private static final String TEMP_PREFIX = ".tmp-";

    /** Named moments of a save, where tests inject a crash by throwing. */
    interface CrashPoint {
        CrashPoint NONE = stage -> { };

        void reached(String stage) throws IOException;
    }

    private final Path root;
    private final int keep;
    private final CrashPoint crash;

    public CheckpointStore(Path outDir, int keep) {
        this(outDir, keep, CrashPoint.NONE);
    }

    CheckpointStore(Path outDir, int keep, CrashPoint crash) {
        if (keep <= 0) {
            throw new IllegalArgumentException("checkpoints to keep " + keep + " must be > 0");
        }
        this.root = outDir.resolve("checkpoints");
        this.keep = keep;
        this.crash = crash;
    }

    /** The directory holding the checkpoints. */
    public Path directory() {
        return root;
    }

    /** Saves {@code c} as the latest checkpoint and returns its directory. */
    public synchronized Path save(Checkpoint c) throws IOException {
        Files.createDirectories(root);
        removeTemporaries();
        String name = "iter-" + c.iteration();
        Path tmp = root.resolve(TEMP_PREFIX + name + "-" + System.nanoTime());
        Files.createDirectory(tmp);
        CheckpointFile.writeDurably(tmp.resolve(FILE), CheckpointFile.frame(c.iteration(), CheckpointCodec.encode(c)));
        forceDirectory(tmp);
        crash.reached("written-before-rename");
        Path target = root.resolve(name);
        if (Files.exists(target)) {
            // Saving an iteration again (after a resume): the old copy leaves first, as a temporary.
            Files.move(target, root.resolve(TEMP_PREFIX + "old-" + name + "-" + System.nanoTime()),
                    StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(root);
        crash.reached("renamed-before-latest");
        Path pointerTmp = root.resolve(TEMP_PREFIX + LATEST);
        Files.deleteIfExists(pointerTmp);
        CheckpointFile.writeDurably(pointerTmp, (name + "\n").getBytes(StandardCharsets.UTF_8));
        Files.move(pointerTmp, root.resolve(LATEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(root);
        retain(c.iteration());
        return target;
    }

    /** The checkpoint {@code latest} points to; empty when none was ever completed. A damaged one is refused. */
    public synchronized Optional<Checkpoint> latestOrEmpty() throws IOException {
        Path pointer = root.resolve(LATEST);
        if (!Files.exists(pointer)) {
            return Optional.empty();
        }
        String name = Files.readString(pointer, StandardCharsets.UTF_8).strip();
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new CheckpointException(pointer, "names '" + name + "'; expected iter-<N>");
        }
        return Optional.of(load(Integer.parseInt(m.group(1))));
    }

    /**
     * The newest checkpoint that reads back intact, starting from the one {@code latest} points to (or, with a
     * damaged pointer, the highest iteration on disk) and going back; each damaged one is reported to
     * {@code skipped} in one line. Empty when there is none; a {@link CheckpointException} when none is intact.
     */
    public synchronized Optional<Checkpoint> newestIntact(Consumer<String> skipped) throws IOException {
        List<Integer> on = iterations();
        if (on.isEmpty() && !Files.exists(root.resolve(LATEST))) {
            return Optional.empty();
        }
        int from = on.isEmpty() ? -1 : on.get(on.size() - 1);
        try {
            Optional<Checkpoint> latest = latestOrEmpty();
            if (latest.isPresent()) {
                return latest;
            }
        } catch (CheckpointException e) {
            skipped.accept(e.getMessage() + "; trying the one before");
            Matcher m = NAME.matcher(Files.readString(root.resolve(LATEST), StandardCharsets.UTF_8).strip());
            from = m.matches() ? Integer.parseInt(m.group(1)) - 1 : from;
        }
        List<String> damaged = new ArrayList<>();
        for (int i = on.size() - 1; i >= 0; i--) {
            int iteration = on.get(i);
            if (iteration > from) {
                continue;
            }
            try {
                return Optional.of(load(iteration));
            } catch (CheckpointException e) {
                damaged.add("iter-" + iteration);
                skipped.accept(e.getMessage() + "; trying the one before");
            }
        }
        throw new CheckpointException(root, "holds no intact checkpoint" + (damaged.isEmpty() ? ""
                : " (damaged: " + String.join(", ", damaged) + ")"));
    }

    /** The checkpoint of {@code iteration}. */
    public synchronized Checkpoint load(int iteration) throws IOException {
        return CheckpointFile.read(root.resolve("iter-" + iteration).resolve(FILE));
    }

    /** Iterations with a checkpoint directory, ascending. */
    public synchronized List<Integer> iterations() throws IOException {
        List<Integer> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> s = Files.list(root)) {
            s.forEach(p -> {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p)) {
                    out.add(Integer.parseInt(m.group(1)));
                }
            });
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /** Keeps the newest {@code keep} up to {@code latest}; later ones belong to a run abandoned by a resume. */
    private void retain(int latest) throws IOException {
        List<Integer> all = iterations();
        List<Integer> upToLatest = all.stream().filter(i -> i <= latest).toList();
        for (int i : all) {
            boolean abandoned = i > latest;
            boolean old = upToLatest.indexOf(i) < upToLatest.size() - keep;
            if (abandoned || old) {
                deleteTree(root.resolve("iter-" + i));
            }
        }
    }

    private void removeTemporaries() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).toList()) {
                deleteTree(p);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    // A rename is durable only once the directory holding the new name is forced too.
    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some filesystems refuse to open directories; the data files themselves were forced.
        }
    }
}
