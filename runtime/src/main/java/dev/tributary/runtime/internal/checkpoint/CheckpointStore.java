package dev.tributary.runtime.internal.checkpoint;

import dev.tributary.actors.checkpoint.CheckpointParts;
import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.actors.master.Checkpointer;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.trainer.Trainer;
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
 * Checkpoints under a directory every node of the run can reach ({@code tributary.run.checkpoint-dir}, by default
 * {@code <out>/checkpoints}), one directory {@code iter-<N>} each, written in two phases. First every stateful role
 * writes its own part where it lives ({@link #writeTrainer}, {@link #writeReplay}: a temporary file forced to disk,
 * then renamed). Then the master {@link #commit commits}: it checks every part's file against what its writer
 * reported, writes its own part and the manifest the same way, and only then moves the {@code latest} pointer. A
 * directory without a manifest is incomplete and never used, so a crash at any point leaves the previous complete
 * checkpoint in place. The newest {@code keep} checkpoints are kept.
 */
public final class CheckpointStore implements CheckpointParts {
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

    /** The store under {@code <outDir>/checkpoints}. */
    public CheckpointStore(Path outDir, int keep) {
        this(keep, outDir.resolve("checkpoints"), CrashPoint.NONE);
    }

    CheckpointStore(Path outDir, int keep, CrashPoint crash) {
        this(keep, outDir.resolve("checkpoints"), crash);
    }

    private CheckpointStore(int keep, Path root, CrashPoint crash) {
        if (keep <= 0) {
            throw new IllegalArgumentException("checkpoints to keep " + keep + " must be > 0");
        }
        this.root = root;
        this.keep = keep;
        this.crash = crash;
    }

    /** The store in {@code directory} itself (on a volume every node of a cluster run mounts). */
    public static CheckpointStore at(Path directory, int keep) {
        return new CheckpointStore(keep, directory, CrashPoint.NONE);
    }

    /** The directory holding the checkpoints. */
    public Path directory() {
        return root;
    }

    // ---- phase one: each role's part, where the role lives

    @Override
    public PartReply.Written writeTrainer(int iteration, Trainer.Snapshot s) throws IOException {
        return writePart(iteration, Parts.TRAINER, new Parts.TrainerPart(s.weights(),
                new OptimizerState(s.optimizerMoments(), s.optimizerStep()), Optional.empty()));
    }

    @Override
    public Trainer.Snapshot readTrainer(int iteration) throws IOException {
        Parts.TrainerPart t = readPart(iteration, Parts.TRAINER, Parts.TrainerPart.class);
        return new Trainer.Snapshot(t.weights(), t.optimizer().moments(), t.optimizer().step());
    }

    @Override
    public PartReply.Written writeReplay(int iteration, ReplayBuffer.Contents c) throws IOException {
        return writePart(iteration, Parts.REPLAY, new Parts.ReplayPart(c.trajectories()));
    }

    /** The replay part; its arrival count restarts from zero with the master that resumes from it. */
    @Override
    public ReplayBuffer.Contents readReplay(int iteration) throws IOException {
        return new ReplayBuffer.Contents(readPart(iteration, Parts.REPLAY, Parts.ReplayPart.class).trajectories(), 0);
    }

    private PartReply.Written writePart(int iteration, String part, Record content) throws IOException {
        long start = System.nanoTime();
        byte[] payload = CheckpointCodec.encode(content);
        Path dir = root.resolve("iter-" + iteration);
        Files.createDirectories(dir);
        // Rewriting a checkpoint (the run rewound past it): it is incomplete until its new manifest.
        Files.deleteIfExists(dir.resolve(Parts.file(Parts.MANIFEST)));
        place(dir, Parts.file(part), CheckpointFile.frame(iteration, payload));
        return new PartReply.Written(part, iteration, payload.length, CheckpointFile.checksum(payload),
                (System.nanoTime() - start) / 1e9);
    }

    /** Writes {@code bytes} to a temporary file in {@code dir}, forces it, and renames it to {@code name}. */
    private static void place(Path dir, String name, byte[] bytes) throws IOException {
        Path tmp = dir.resolve(TEMP_PREFIX + name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        CheckpointFile.writeDurably(tmp, bytes);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(dir);
    }

    // ---- phase two: the master checks the parts and commits

    /**
     * Checks that every part in {@code written} is on disk as its writer reported (a node writing where this one
     * cannot read shows here), writes the master's part and the manifest, moves {@code latest} and applies the
     * retention. {@code randomState} is the run's (its seed). Returns the checkpoint's directory.
     */
    public synchronized Path commit(Checkpointer.RunState state, long[] randomState, List<PartReply.Written> written)
            throws IOException {
        int iteration = state.iteration();
        Path dir = root.resolve("iter-" + iteration);
        List<Parts.Entry> entries = new ArrayList<>();
        for (PartReply.Written w : written) {
            Path file = dir.resolve(Parts.file(w.part()));
            if (!Files.isRegularFile(file)) {
                throw new CheckpointException(file, "was reported written by the " + w.part() + " role but is not "
                        + "there: is tributary.run.checkpoint-dir " + root + " a volume every node mounts?");
            }
            byte[] payload = CheckpointFile.payload(file, iteration);
            if (payload.length != w.bytes() || CheckpointFile.checksum(payload) != w.checksum()) {
                throw new CheckpointException(file, "is not what the " + w.part() + " role wrote (" + w.bytes()
                        + " bytes) : another run writes into " + root + "?");
            }
            entries.add(new Parts.Entry(w.part(), w.bytes(), w.checksum()));
        }
        byte[] master = CheckpointCodec.encode(new Parts.MasterPart(state.version(), state.samplerStats(),
                randomState, state.nextRound()));
        place(dir, Parts.file(Parts.MASTER), CheckpointFile.frame(iteration, master));
        entries.add(new Parts.Entry(Parts.MASTER, master.length, CheckpointFile.checksum(master)));
        removeTemporaries(dir);
        crash.reached("written-before-rename");
        place(dir, Parts.file(Parts.MANIFEST), CheckpointFile.frame(iteration,
                CheckpointCodec.encode(new Parts.Manifest(iteration, entries))));
        forceDirectory(root);
        crash.reached("renamed-before-latest");
        place(root, LATEST, ("iter-" + iteration + "\n").getBytes(StandardCharsets.UTF_8));
        retain(iteration);
        return dir;
    }

    /** The bytes the master's commit of {@code iteration} wrote: its own part and the manifest. */
    public long masterBytes(int iteration) throws IOException {
        Path dir = root.resolve("iter-" + iteration);
        return Files.size(dir.resolve(Parts.file(Parts.MASTER))) + Files.size(dir.resolve(Parts.file(Parts.MANIFEST)));
    }

    /** Saves {@code c} whole (every part, then the commit) as the latest checkpoint; returns its directory. */
    public synchronized Path save(Checkpoint c) throws IOException {
        int i = c.iteration();
        List<PartReply.Written> parts = List.of(
                writePart(i, Parts.TRAINER, new Parts.TrainerPart(c.weights(), c.optimizer(), c.reference())),
                writePart(i, Parts.REPLAY, new Parts.ReplayPart(c.replay())));
        return commit(new Checkpointer.RunState(i, c.weights().version(), c.samplerStats(), c.nextRound()),
                c.randomState(), parts);
    }

    // ---- reading

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
     * The newest complete checkpoint that reads back intact, starting from the one {@code latest} points to (or,
     * with a damaged pointer, the highest iteration on disk) and going back; each damaged or incomplete one newer
     * than it is reported to {@code skipped} in one line. Empty when there is none; a {@link CheckpointException}
     * when none is intact.
     */
    public synchronized Optional<Checkpoint> newestIntact(Consumer<String> skipped) throws IOException {
        List<Integer> on = directories();
        if (on.isEmpty() && !Files.exists(root.resolve(LATEST))) {
            return Optional.empty();
        }
        int from = on.isEmpty() ? -1 : on.get(on.size() - 1);
        try {
            Optional<Checkpoint> latest = latestOrEmpty();
            if (latest.isPresent()) {
                reportIncompleteAfter(latest.get().iteration(), on, skipped);
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
            if (!complete(iteration)) {
                skipped.accept("checkpoint " + root.resolve("iter-" + iteration) + " is incomplete (no manifest: "
                        + "the run stopped while writing it); trying the one before");
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

    private void reportIncompleteAfter(int latest, List<Integer> on, Consumer<String> skipped) {
        for (int i : on) {
            if (i > latest && !complete(i)) {
                skipped.accept("checkpoint " + root.resolve("iter-" + i) + " is incomplete (no manifest: the run "
                        + "stopped while writing it); using iter-" + latest);
            }
        }
    }

    /** The checkpoint of {@code iteration}, every part checked against the manifest. */
    public synchronized Checkpoint load(int iteration) throws IOException {
        Parts.TrainerPart t = readPart(iteration, Parts.TRAINER, Parts.TrainerPart.class);
        Parts.ReplayPart r = readPart(iteration, Parts.REPLAY, Parts.ReplayPart.class);
        Parts.MasterPart m = readPart(iteration, Parts.MASTER, Parts.MasterPart.class);
        if (!m.version().equals(t.weights().version())) {
            throw new CheckpointException(root.resolve("iter-" + iteration), "holds weights of " + t.weights().version()
                    + " but its master part says " + m.version());
        }
        try {
            return new Checkpoint(iteration, t.weights(), t.optimizer(), r.trajectories(), m.samplerStats(),
                    m.randomState(), t.reference(), m.nextRound());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(root.resolve("iter-" + iteration), "is inconsistent: " + e.getMessage());
        }
    }

    private Parts.Manifest manifest(int iteration) throws IOException {
        Path file = root.resolve("iter-" + iteration).resolve(Parts.file(Parts.MANIFEST));
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file, "does not exist: checkpoint iter-" + iteration + " is incomplete");
        }
        return CheckpointFile.read(file, iteration, Parts.Manifest.class);
    }

    /** One part of a complete checkpoint, checked against its manifest entry as well as its own frame. */
    private <T extends Record> T readPart(int iteration, String part, Class<T> type) throws IOException {
        Parts.Entry entry = manifest(iteration).entry(part);
        Path file = root.resolve("iter-" + iteration).resolve(Parts.file(part));
        if (entry == null) {
            throw new CheckpointException(file, "is not listed in the manifest of iter-" + iteration);
        }
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file, "does not exist");
        }
        byte[] payload = CheckpointFile.payload(file, iteration);
        if (payload.length != entry.bytes() || CheckpointFile.checksum(payload) != entry.checksum()) {
            throw new CheckpointException(file, "does not match its manifest entry (" + entry.bytes() + " bytes): "
                    + "it was rewritten after the checkpoint was committed");
        }
        return CheckpointFile.read(file, iteration, type);
    }

    private boolean complete(int iteration) {
        return Files.isRegularFile(root.resolve("iter-" + iteration).resolve(Parts.file(Parts.MANIFEST)));
    }

    /** Iterations with a complete checkpoint (a manifest), ascending. */
    public synchronized List<Integer> iterations() throws IOException {
        return directories().stream().filter(this::complete).toList();
    }

    /** Iterations with a checkpoint directory, complete or not, ascending. */
    private List<Integer> directories() throws IOException {
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

    /**
     * Keeps the newest {@code keep} complete checkpoints up to {@code latest}; later ones belong to a run abandoned
     * by a resume or a rewind, and older incomplete ones to a crash.
     */
    private void retain(int latest) throws IOException {
        List<Integer> all = directories();
        List<Integer> upToLatest = all.stream().filter(i -> i <= latest && complete(i)).toList();
        for (int i : all) {
            boolean abandoned = i > latest;
            boolean old = i < latest && (!complete(i) || upToLatest.indexOf(i) < upToLatest.size() - keep);
            if (abandoned || old) {
                deleteTree(root.resolve("iter-" + i));
            }
        }
        removeTemporaries(root);
    }

    private static void removeTemporaries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
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
