package dev.tributary.dist;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import org.slf4j.LoggerFactory;

/**
 * The main class every launcher starts ({@code bin/tributary}, {@code bin/java-run}, the distribution and the
 * container image): it checks {@code TRIBUTARY_LOG_LEVEL} and {@code TRIBUTARY_LOG_FORMAT} (a bad value: one line,
 * exit code 2), initializes logging on the main thread ({@link LogSetup}), then runs the main class named by its first
 * argument with the rest. Without it, an ActorSystem's threads and the main thread race to initialize SLF4J, and
 * the loser's first log call is "intercepted" and replayed under a three-line SLF4J banner.
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length == 0) {
            System.err.println("Launcher: expected the main class to run, e.g. dev.tributary.runtime.cli.TributaryCli");
            System.exit(2);
        }
        try {
            LogSetup.Choice.of(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
        LoggerFactory.getILoggerFactory(); // configures logback (LogSetup) before another thread asks for a logger
        Class<?> main;
        try {
            main = Class.forName(args[0]);
        } catch (ClassNotFoundException e) {
            System.err.println("Launcher: no class " + args[0] + " on the classpath");
            System.exit(2);
            return;
        }
        MethodHandle entry = MethodHandles.publicLookup().findStatic(main, "main",
                MethodType.methodType(void.class, String[].class));
        entry.invoke(Arrays.copyOfRange(args, 1, args.length));
    }
}
