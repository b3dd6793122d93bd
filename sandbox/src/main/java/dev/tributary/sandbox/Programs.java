package dev.tributary.sandbox;

import dev.tributary.sandbox.ExecutionResult.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns a request into a command line per language; Java is compiled once per source hash, in the sandbox. */
final class Programs {

    private static final Pattern PUBLIC_CLASS =
            Pattern.compile("public\\s+(?:final\\s+|abstract\\s+)*class\\s+([A-Za-z_$][A-Za-z0-9_$]*)");
    private static final int FAILED_COMPILES_KEPT = 256;

    /** The command to run, where the code is, and the cgroup budget. */
    record Prepared(Path codeDir, List<String> argv, long memoryBytes, int tasks) {
    }

    /** Either a prepared program or the result that ends the request (a compile error). */
    record Outcome(Prepared prepared, ExecutionResult failure) {
    }

    private final SandboxSettings settings;
    private final ProcessSandbox sandbox;
    private final Path classCache;
    private final Map<String, Object> compileLocks = new ConcurrentHashMap<>();
    private final Map<String, ExecutionResult> failedCompiles = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, ExecutionResult> eldest) {
                    return size() > FAILED_COMPILES_KEPT;
                }
            });

    Programs(SandboxSettings settings, ProcessSandbox sandbox) {
        this.settings = settings;
        this.sandbox = sandbox;
        this.classCache = settings.workRoot().resolve("java-classes");
    }

    Outcome prepare(ExecutionRequest request, Path runDir) throws IOException {
        Limits l = request.limits();
        switch (request.language()) {
            case PYTHON3: {
                Path code = codeDir(runDir);
                writeReadable(code.resolve("main.py"), request.source());
                return new Outcome(new Prepared(code, List.of(settings.python().toString(), "-I", RunSpec.CODE + "/main.py"),
                        l.memoryBytes(), l.processes() + sandbox.launcherTasks()), null);
            }
            case JAVA: {
                String mainClass = mainClass(request.source());
                Outcome compiled = compileJava(request.source(), mainClass, runDir);
                if (compiled.failure() != null) {
                    return compiled;
                }
                List<String> argv = List.of(settings.javaHome().resolve("bin/java").toString(),
                        "-Xmx" + l.memoryBytes() / 1024 + "k", "-Xss8m", "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xshare:auto",
                        "-cp", RunSpec.CODE, mainClass);
                return new Outcome(new Prepared(compiled.prepared().codeDir(), argv,
                        l.memoryBytes() + settings.jvmOverheadBytes(),
                        l.processes() + settings.jvmTasks() + sandbox.launcherTasks()), null);
            }
            default:
                throw new IllegalArgumentException("language " + request.language() + " has no runner");
        }
    }

    static String mainClass(String source) {
        Matcher m = PUBLIC_CLASS.matcher(source);
        return m.find() ? m.group(1) : "Main";
    }

    private Outcome compileJava(String source, String mainClass, Path runDir) throws IOException {
        String hash = sha256(mainClass + "\n" + source);
        Path cached = classCache.resolve(hash);
        synchronized (compileLocks.computeIfAbsent(hash, h -> new Object())) {
            if (Files.isDirectory(cached)) {
                return new Outcome(new Prepared(cached, List.of(), 0, 0), null);
            }
            ExecutionResult failed = failedCompiles.get(hash);
            if (failed != null) {
                return new Outcome(null, failed);
            }
            Path code = codeDir(runDir);
            writeReadable(code.resolve(mainClass + ".java"), source);
            Path out = runDir.resolve("out");
            Files.createDirectory(out);
            Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
            Limits cl = settings.compileLimits();
            List<String> argv = List.of(settings.javaHome().resolve("bin/javac").toString(),
                    "-J-Xmx" + cl.memoryBytes() / 2 / 1024 + "k", "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1",
                    "-J-XX:-UsePerfData", "-encoding", "UTF-8", "-nowarn", "-d", RunSpec.OUT,
                    RunSpec.CODE + "/" + mainClass + ".java");
            ExecutionResult r = sandbox.run(runDir, code, out, argv, "", cl, cl.memoryBytes(), cl.processes());
            if (r.status() != Status.OK) {
                ExecutionResult err = new ExecutionResult(
                        r.status() == Status.SANDBOX_ERROR ? Status.SANDBOX_ERROR : Status.COMPILE_ERROR,
                        r.exitCode(), r.signal(), r.stdout(), r.stderr(), r.truncated(), r.wallTime(), r.cpuTime(),
                        r.peakMemoryBytes(), r.status() == Status.RUNTIME_ERROR ? "javac failed"
                        : "javac: " + r.status() + " " + r.detail());
                if (err.status() == Status.COMPILE_ERROR) {
                    failedCompiles.put(hash, err);
                }
                return new Outcome(null, err);
            }
            Files.createDirectories(classCache);
            try {
                Files.move(out, cached, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // another sandbox sharing the work root compiled it first; its classes are equivalent
            }
            return new Outcome(new Prepared(cached, List.of(), 0, 0), null);
        }
    }

    private static Path codeDir(Path runDir) throws IOException {
        Path code = runDir.resolve("code");
        Files.createDirectories(code);
        Files.setPosixFilePermissions(code, PosixFilePermissions.fromString("rwxr-xr-x"));
        return code;
    }

    private static void writeReadable(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }

    static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
