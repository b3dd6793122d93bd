package dev.tributary.streams.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Segment;
import dev.tributary.model.train.Evaluator;
import dev.tributary.model.weights.FlatWeights;
import java.io.NotSerializableException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import scala.Option;

/** Round trips and refusals of the serializer as the actor system creates it (reference.conf plus a test registrar). */
class KryoSerializerTest {
    private static final ActorTestKit KIT = ActorTestKit.create("kryo-serializer",
            ConfigFactory.parseString(KryoTestMessage.Registrar.CONFIG).withFallback(ConfigFactory.load()).resolve());
    private static final KryoSerializer SER = KryoSerializer.get(KIT.system());

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** Through the byte-array path and through the ByteBuffer path (at an offset, as in Artery's envelope). */
    @SuppressWarnings("unchecked")
    static <T> T roundTrip(KryoSerializer ser, T value) throws NotSerializableException {
        Object viaBytes = ser.fromBinary(ser.toBinary(value), Option.empty());
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        buf.position(7);
        ser.toBinary(value, buf);
        buf.flip().position(7);
        Object viaBuffer = ser.fromBinary(buf, "");
        assertEquals(0, buf.remaining(), "the ByteBuffer path consumes exactly what it wrote");
        assertArrayEquals(ser.toBinary(viaBytes), ser.toBinary(viaBuffer), "both paths read the same value");
        return (T) viaBytes;
    }

    @Test
    void modelRecords_roundTripEqual() throws Exception {
        for (Object value : List.of(PolicyVersion.INITIAL, new PolicyVersion(42), FinishReason.REPEAT, Samples.PROMPT,
                new Segment("t/0", 2, new int[] {3}, new float[] {-0.5f}, 7, FinishReason.MAX_LENGTH),
                Samples.unfinished("t/1"), Samples.finished("t/2", 0.75), Samples.batch(), Samples.layout(),
                Samples.layout().entries().get(1), Samples.weights(), new Evaluator.Result(0.5, 12.25, 8))) {
            assertEquals(value, roundTrip(SER, value), () -> "round trip of " + value);
        }
        assertEquals(Samples.weights().checksum(), roundTrip(SER, Samples.weights()).checksum());
    }

    @Test
    void recordsAreRebuiltThroughTheirConstructors_soCorruptWeightsAreRefused() throws Exception {
        FlatWeights w = Samples.weights();
        byte[] bytes = SER.toBinary(w);
        // The last value (3.5f) is written little-endian; flip a bit of it on the "wire".
        byte[] pattern = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(3.5f).array();
        int at = indexOf(bytes, pattern);
        assertTrue(at > 0, "the value's bytes are on the wire");
        bytes[at] ^= 1;
        var e = assertThrows(NotSerializableException.class, () -> SER.fromBinary(bytes, Option.empty()));
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void collections_ofAnyImplementation_comeBackEqualAndUnmodifiable() throws Exception {
        List<Object> mutable = new ArrayList<>(List.of("a", 1, 2.5));
        List<String> withNull = Arrays.asList("x", null);
        Map<String, float[]> moments = new HashMap<>(Map.of("w", new float[] {1f, 2f}));
        Map<String, Integer> ordered = new LinkedHashMap<>();
        for (int i = 9; i >= 0; i--) {
            ordered.put("k" + i, i);
        }
        for (Object value : List.of(List.of(), List.of(1), List.of(1, 2, 3), mutable, Stream.of(4L, 5L).toList(),
                List.of(List.of(Samples.PROMPT)), Set.of("s", "t"), Map.of(), Map.of("k", List.of(1)), ordered)) {
            assertEquals(value, roundTrip(SER, value), () -> "round trip of " + value);
        }
        assertEquals(withNull, roundTrip(SER, withNull));
        assertEquals(List.copyOf(ordered.keySet()), List.copyOf(roundTrip(SER, ordered).keySet()), "order kept");
        Map<String, float[]> back = roundTrip(SER, moments);
        assertArrayEquals(moments.get("w"), back.get("w"));
        List<Object> list = roundTrip(SER, mutable);
        assertThrows(UnsupportedOperationException.class, () -> list.add("more"));
        assertThrows(UnsupportedOperationException.class, () -> back.put("v", new float[0]));
    }

    @Test
    void unregisteredClass_isRefusedOnWrite_namingItAndWhereToRegister() {
        var top = assertThrows(IllegalArgumentException.class,
                () -> SER.toBinary(new KryoTestMessage.NotRegistered(1)));
        assertTrue(top.getMessage().contains(KryoTestMessage.NotRegistered.class.getName()), top.getMessage());
        assertTrue(top.getMessage().contains("tributary.serialization.registrars"), top.getMessage());
        var nested = assertThrows(IllegalArgumentException.class,
                () -> SER.toBinary(new KryoTestMessage.Holder(new KryoTestMessage.NotRegistered(2))));
        assertTrue(nested.getMessage().contains(KryoTestMessage.NotRegistered.class.getName()), nested.getMessage());
        assertTrue(nested.getMessage().contains("value"), "names the field that held it: " + nested.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SER.toBinary(new KryoTestMessage.NotRegistered(3), ByteBuffer.allocate(64)));
        assertThrows(IllegalArgumentException.class, () -> SER.toBinary(new StringBuilder("not registered")));
    }

    @Test
    void unknownId_isRefusedOnRead_andClassNamesAreNeverAccepted() {
        // Kryo writes a registration id as the varint id + 2: 4000 + 2 = 0xA2 0x1F.
        var unknown = assertThrows(NotSerializableException.class,
                () -> SER.fromBinary(new byte[] {(byte) 0xA2, 0x1F, 0, 0}, Option.empty()));
        assertTrue(unknown.getMessage().contains("unknown Kryo registration id 4000"), unknown.getMessage());
        var byName = assertThrows(NotSerializableException.class,
                () -> SER.fromBinary(new byte[] {1, 0, (byte) ('j' | 0x80)}, Option.empty()));
        assertTrue(byName.getMessage().contains("never loads classes by name"), byName.getMessage());
        var viaBuffer = assertThrows(NotSerializableException.class,
                () -> SER.fromBinary(ByteBuffer.wrap(new byte[] {(byte) 0xA2, 0x1F}), ""));
        assertTrue(viaBuffer.getMessage().contains("4000"), viaBuffer.getMessage());
    }

    @Test
    void byteBufferPath_isByteCompatible_andOverflowIsReportedAsArteryExpects() throws Exception {
        var value = Samples.batch();
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        SER.toBinary(value, buf);
        byte[] written = Arrays.copyOf(buf.array(), buf.position());
        assertArrayEquals(SER.toBinary(value), written, "both paths write the same bytes");
        assertThrows(BufferOverflowException.class, () -> SER.toBinary(Samples.weights(), ByteBuffer.allocate(32)));
        assertEquals(value, roundTrip(SER, value), "the pooled codec still works after an overflow");
    }

    @Test
    void throwable_arrivesAsRemoteFailure_withClassMessageTraceAndCause() throws Exception {
        var original = new IllegalStateException("stream failed", new java.io.IOException("connection reset"));
        Throwable back = roundTrip(SER, original);
        RemoteFailure f = assertInstanceOf(RemoteFailure.class, back);
        assertEquals(IllegalStateException.class.getName(), f.originalClassName());
        assertEquals("stream failed", f.getMessage());
        StackTraceElement sent = original.getStackTrace()[0];
        StackTraceElement got = f.getStackTrace()[0];
        assertEquals(Math.min(original.getStackTrace().length, ThrowableSerializer.MAX_FRAMES), f.getStackTrace().length);
        assertEquals(sent.getClassName() + sent.getMethodName() + sent.getFileName() + sent.getLineNumber(),
                got.getClassName() + got.getMethodName() + got.getFileName() + got.getLineNumber());
        RemoteFailure cause = assertInstanceOf(RemoteFailure.class, f.getCause());
        assertEquals("java.io.IOException", cause.originalClassName());
        assertEquals("connection reset", cause.getMessage());
        assertEquals("java.lang.IllegalStateException: stream failed (remote)", f.toString());
        RemoteFailure again = assertInstanceOf(RemoteFailure.class, roundTrip(SER, f));
        assertEquals(IllegalStateException.class.getName(), again.originalClassName(), "re-sent keeps the original");
        assertNull(roundTrip(SER, new KryoTestMessage.Holder(null)).value());
    }

    @Test
    void registrations_stayInTheirModulesRanges() {
        var ids = SER.registrations();
        ids.forEach((id, type) -> {
            String module = type.getName().startsWith("dev.tributary.model.") ? "model"
                    : type.getName().startsWith("dev.tributary.streams.serialization.KryoTestMessage") ? "test" : "core";
            boolean inRange = switch (module) {
                case "model" -> id >= 100 && id <= 199;
                case "test" -> id >= 1000;
                default -> id >= 10 && id <= 99;
            };
            assertTrue(inRange, type.getName() + " has id " + id + " outside the " + module + " range");
        });
        for (Class<?> c : List.of(PolicyVersion.class, FinishReason.class, dev.tributary.model.Prompt.class,
                Segment.class, dev.tributary.model.Trajectory.class, dev.tributary.model.TrajectoryBatch.class,
                FlatWeights.class, dev.tributary.model.weights.WeightLayout.class,
                dev.tributary.model.weights.WeightLayout.Entry.class, Evaluator.Result.class)) {
            assertTrue(ids.containsValue(c), c.getName() + " is registered");
        }
    }

    @Test
    void pooledKryos_serveConcurrentCallers() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        var value = Samples.finished("c" + thread + "/" + i, i % 2);
                        assertEquals(value, roundTrip(SER, value));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(); // rethrows a failed round trip
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
