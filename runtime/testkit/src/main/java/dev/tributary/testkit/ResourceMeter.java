package dev.tributary.testkit;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The JVM's resources over a load test: process CPU time, the heap in use (sampled every few milliseconds) and the
 * heap retained after each garbage collection (from the collectors' notifications), with a baseline taken after a
 * collection at the start. Every node of a load test shares the one JVM, so these are the whole run's figures.
 */
final class ResourceMeter implements AutoCloseable {
    private static final long SAMPLE_MILLIS = 5;

    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    private final AtomicLong peakUsed = new AtomicLong();
    private final AtomicLong peakRetained = new AtomicLong();
    private final List<Runnable> unsubscribe = new ArrayList<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "testkit-heap-sampler");
        t.setDaemon(true);
        return t;
    });
    private final long baselineRetained;
    private final long startCollections;
    private final long startCpu;

    /** Collects once for the baseline, then starts measuring. */
    ResourceMeter() {
        System.gc();
        this.baselineRetained = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        this.startCollections = collectionCount();
        NotificationListener onGc = this::afterGc;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(onGc, null, null);
                unsubscribe.add(() -> {
                    try {
                        emitter.removeNotificationListener(onGc);
                    } catch (javax.management.ListenerNotFoundException e) {
                        // already gone
                    }
                });
            }
        }
        sampler.scheduleAtFixedRate(() -> peakUsed.accumulateAndGet(
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max),
                0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        this.startCpu = processCpuNanos();
    }

    private void afterGc(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        long retained = 0;
        for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(e.getKey())) {
                retained += e.getValue().getUsed();
            }
        }
        peakRetained.accumulateAndGet(retained, Math::max);
    }

    /** Garbage collections since the start, the baseline's excluded. */
    long collections() {
        return collectionCount() - startCollections;
    }

    private static long collectionCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount).filter(c -> c > 0).sum();
    }

    /** The live heap: used bytes right after a full collection (asked for; a JVM may decline it). */
    static long liveHeapBytes() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    long processCpuNanos() {
        return os.getProcessCpuTime();
    }

    long startCpuNanos() {
        return startCpu;
    }

    long peakUsedBytes() {
        return peakUsed.get();
    }

    /** The most heap retained after any collection since the start; the baseline when none ran. */
    long peakRetainedBytes() {
        return Math.max(peakRetained.get(), baselineRetained);
    }

    long baselineRetainedBytes() {
        return baselineRetained;
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        unsubscribe.forEach(Runnable::run);
    }
}
