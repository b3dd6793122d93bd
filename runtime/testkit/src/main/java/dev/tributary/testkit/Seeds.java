package dev.tributary.testkit;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** The synthetic roles' shared helpers: independent random streams from a seed and salts, thread CPU, sleeping. */
final class Seeds {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU = THREADS.isCurrentThreadCpuTimeSupported();

    private Seeds() {
    }

    /** A stream fixed by {@code seed} and {@code salts} alone (SplitMix64 finalizer over each). */
    static SplittableRandom random(long seed, long... salts) {
        long z = mix(seed);
        for (long s : salts) {
            z = mix(z ^ mix(s + 0x9E3779B97F4A7C15L));
        }
        return new SplittableRandom(z);
    }

    /** A uniform draw in [0, 1) fixed by {@code seed} and {@code salts}. */
    static double uniform(long seed, long... salts) {
        return random(seed, salts).nextDouble();
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** CPU time of the calling thread in nanoseconds; 0 where the JVM does not measure it. */
    static long threadCpu() {
        return CPU ? THREADS.getCurrentThreadCpuTime() : 0;
    }

    /** Sleeps {@code nanos} (nothing for 0 or less); an interrupt is kept for the caller to see. */
    static void sleep(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
