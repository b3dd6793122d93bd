package dev.tributary.actors.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.master.RunFailed;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.reward.RewardModelServer;
import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.stream.SegmentRoute;
import dev.tributary.actors.stream.SegmentStream;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.train.Evaluator;
import dev.tributary.streams.serialization.KryoSerializer;
import dev.tributary.streams.serialization.RemoteFailure;
import java.lang.reflect.Array;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every public protocol record of the roles, found by reflection (so a new message is caught), is registered and
 * survives a round trip through the Kryo serializer of a real actor system.
 */
class ProtocolRegistrarTest {
    /** The classes whose public nested records (and themselves, when records) are the roles' protocols. */
    static final List<Class<?>> ROLE_CLASSES = List.of(Master.class, IterationReport.class, RolloutWorker.class,
            RolloutJob.class, RolloutStats.class, ReplayBuffer.class, RewardActor.class, Trainer.class,
            DeviceArbiter.class, Evaluator.Result.class, RolloutWork.class, SegmentStream.class, SegmentRoute.class,
            PartReply.class, RunFailed.class, RewardModelServer.class);
    /** Public records of the role classes that are never sent: a factory's argument holding callbacks. */
    static final Set<Class<?>> NOT_SENT = Set.of(Master.Setup.class);

    // The default configuration: actors' reference.conf lists the registrar.
    private static final ActorTestKit KIT = ActorTestKit.create("protocol-serialization", ConfigFactory.load());
    private static final KryoSerializer SER = KryoSerializer.get(KIT.system());

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** Public records and enums of the role classes, and every record or enum of ours their components carry. */
    static Set<Class<?>> protocolTypes() {
        Set<Class<?>> out = new LinkedHashSet<>();
        List<Class<?>> todo = new ArrayList<>();
        for (Class<?> role : ROLE_CLASSES) {
            todo.add(role);
            for (Class<?> nested : role.getDeclaredClasses()) {
                if (Modifier.isPublic(nested.getModifiers()) && !NOT_SENT.contains(nested)) {
                    todo.add(nested);
                }
            }
        }
        while (!todo.isEmpty()) {
            Class<?> c = todo.remove(todo.size() - 1);
            if (!(c.isRecord() || c.isEnum()) || !c.getName().startsWith("dev.tributary.") || !out.add(c)) {
                continue;
            }
            if (c.isRecord()) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    collect(rc.getGenericType(), todo);
                }
            }
        }
        return out;
    }

    private static void collect(Type t, List<Class<?>> into) {
        if (t instanceof Class<?> c) {
            into.add(c.isArray() ? c.getComponentType() : c);
        } else if (t instanceof ParameterizedType p) {
            collect(p.getRawType(), into);
            for (Type arg : p.getActualTypeArguments()) {
                collect(arg, into);
            }
        }
    }

    @Test
    void everyPublicProtocolRecord_isRegistered() {
        Set<Class<?>> types = protocolTypes();
        assertTrue(types.size() > 40, "found " + types.size() + " protocol types: " + types);
        Set<String> missing = new TreeSet<>();
        for (Class<?> c : types) {
            if (!SER.registrations().containsValue(c)) {
                missing.add(c.getName());
            }
        }
        assertTrue(missing.isEmpty(), "not registered (add them to ProtocolRegistrar, or ModelRegistrar for model "
                + "types): " + missing);
    }

    @Test
    void privateAdapterWrappers_areNotRegistered() {
        for (Class<?> role : ROLE_CLASSES) {
            for (Class<?> nested : role.getDeclaredClasses()) {
                if (!Modifier.isPublic(nested.getModifiers())) {
                    assertTrue(!SER.registrations().containsValue(nested), nested.getName() + " is private");
                }
            }
        }
    }

    @Test
    void actorIds_stayIn200to499() {
        SER.registrations().forEach((id, type) -> {
            if (type.getName().startsWith("dev.tributary.actors.")) {
                assertTrue(id >= 200 && id <= 499, type.getName() + " has id " + id);
            }
        });
    }

    @Test
    void everyProtocolRecord_roundTripsEqual_throughTheActorSystemsSerializer() throws Exception {
        Map<Class<?>, Object> samples = ProtocolSamples.all(KIT);
        Set<String> withoutSample = new TreeSet<>();
        for (Class<?> c : protocolTypes()) {
            if (!samples.containsKey(c)) {
                withoutSample.add(c.getName());
            }
        }
        assertTrue(withoutSample.isEmpty(), "add a sample to ProtocolSamples for " + withoutSample);
        Serialization serialization = SerializationExtension.get(KIT.system());
        for (Object sample : samples.values()) {
            if (sample.getClass().isRecord()) {
                for (RecordComponent rc : sample.getClass().getRecordComponents()) {
                    assertNotNull(rc.getAccessor().invoke(sample), "sample " + sample.getClass().getName()
                            + " leaves " + rc.getName() + " null; set every component");
                }
            }
            byte[] bytes = SER.toBinary(sample);
            // Read back the way a remote node does: by the serializer's identifier, without a manifest.
            Object back = serialization.deserialize(bytes, KryoSerializer.IDENTIFIER, "").get();
            assertDeepEquals(sample, back, sample.getClass().getSimpleName());
        }
    }

    /** Equality that also compares arrays by content and failures by original class and message. */
    static void assertDeepEquals(Object expected, Object actual, String path) throws Exception {
        if (expected == null || actual == null) {
            assertEquals(expected, actual, path);
        } else if (expected instanceof Throwable t) {
            RemoteFailure f = assertInstanceOf(RemoteFailure.class, actual, path);
            assertEquals(t.getClass().getName(), f.originalClassName(), path);
            assertEquals(t.getMessage(), f.getMessage(), path);
        } else if (expected.getClass().isArray()) {
            assertEquals(expected.getClass(), actual.getClass(), path);
            assertEquals(Array.getLength(expected), Array.getLength(actual), path);
            for (int i = 0; i < Array.getLength(expected); i++) {
                assertDeepEquals(Array.get(expected, i), Array.get(actual, i), path + "[" + i + "]");
            }
        } else if (expected instanceof List<?> l) {
            List<?> a = assertInstanceOf(List.class, actual, path);
            assertEquals(l.size(), a.size(), path);
            for (int i = 0; i < l.size(); i++) {
                assertDeepEquals(l.get(i), a.get(i), path + "[" + i + "]");
            }
        } else if (expected instanceof Map<?, ?> m) {
            Map<?, ?> a = assertInstanceOf(Map.class, actual, path);
            assertEquals(m.keySet(), a.keySet(), path);
            for (Object k : m.keySet()) {
                assertDeepEquals(m.get(k), a.get(k), path + "[" + k + "]");
            }
        } else if (expected.getClass().isRecord()) {
            assertEquals(expected.getClass(), actual.getClass(), path);
            for (RecordComponent rc : expected.getClass().getRecordComponents()) {
                assertDeepEquals(rc.getAccessor().invoke(expected), rc.getAccessor().invoke(actual),
                        path + "." + rc.getName());
            }
        } else {
            assertEquals(expected, actual, path);
        }
    }

    @Test
    void samplesCoverNoMoreThanTheProtocol() {
        Set<Class<?>> extra = new java.util.HashSet<>(ProtocolSamples.all(KIT).keySet());
        extra.removeAll(protocolTypes());
        if (!extra.isEmpty()) {
            fail("samples of types the protocol no longer uses: " + extra);
        }
    }
}
