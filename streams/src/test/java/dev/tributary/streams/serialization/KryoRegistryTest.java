package dev.tributary.streams.serialization;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.typesafe.config.ConfigFactory;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Registration mistakes stop the node at start-up, naming what clashed and who registered it. */
class KryoRegistryTest {
    private static final ActorTestKit KIT = ActorTestKit.create("kryo-registry");
    private static final ExtendedActorSystem SYSTEM = (ExtendedActorSystem) Adapter.toClassic(KIT.system());

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** Takes id 102, which ModelRegistrar gives to Prompt, for another class. */
    public static final class IdThief implements KryoRegistrar {
        @Override
        public void register(Registrations r) {
            r.add(102, KryoTestMessage.Pong.class);
        }
    }

    /** Registers a class ModelRegistrar already registers. */
    public static final class ClassThief implements KryoRegistrar {
        @Override
        public void register(Registrations r) {
            r.add(1050, PolicyVersion.class);
        }
    }

    private static KryoRegistry load(String registrars) {
        return KryoRegistry.load(ConfigFactory.parseString("tributary.serialization.registrars = " + registrars),
                SYSTEM);
    }

    private static String refusal(String registrars) {
        return assertThrows(IllegalArgumentException.class, () -> load(registrars)).getMessage();
    }

    @Test
    void duplicateId_isRefused_namingBothClassesAndRegistrars() {
        String m = refusal("[\"" + ModelRegistrar.class.getName() + "\", \"" + IdThief.class.getName() + "\"]");
        assertTrue(m.contains("id 102 is registered twice"), m);
        assertTrue(m.contains(Prompt.class.getName()) && m.contains(ModelRegistrar.class.getName()), m);
        assertTrue(m.contains(KryoTestMessage.Pong.class.getName()) && m.contains(IdThief.class.getName()), m);
    }

    @Test
    void duplicateClass_isRefused_namingBothIds() {
        String m = refusal("[\"" + ModelRegistrar.class.getName() + "\", \"" + ClassThief.class.getName() + "\"]");
        assertTrue(m.contains("class " + PolicyVersion.class.getName() + " is registered twice"), m);
        assertTrue(m.contains("id 100") && m.contains("id 1050"), m);
    }

    @Test
    void aRegistrarListedTwice_runsOnce() {
        load("[\"" + ModelRegistrar.class.getName() + "\", \"" + ModelRegistrar.class.getName() + "\"]");
    }

    @Test
    void badRegistrarNames_areRefusedWithTheConfigKey() {
        assertTrue(refusal("[\"no.such.Registrar\"]").contains("tributary.serialization.registrars lists no.such"));
        assertTrue(refusal("[\"java.lang.String\"]").contains("does not implement"));
    }

    @Test
    void clashesWithBuiltIns_andKryosOwnIds_areRefused() {
        Registrations r = new Registrations();
        CoreRegistrations.register(r, SYSTEM);
        var builtIn = assertThrows(IllegalArgumentException.class, () -> r.add(10, KryoTestMessage.Pong.class));
        assertTrue(builtIn.getMessage().contains("byte[]") || builtIn.getMessage().contains("[B"), builtIn.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.add(5, KryoTestMessage.Pong.class));
        r.add(1100, String.class, new DefaultSerializers.StringSerializer());
        var kryos = assertThrows(IllegalArgumentException.class, () -> KryoRegistry.of(r));
        assertTrue(kryos.getMessage().contains("Kryo's own registration of java.lang.String"), kryos.getMessage());
    }

    @Test
    void plainAdd_takesOnlyRecordsEnumsAndArrays() {
        var m = assertThrows(IllegalArgumentException.class, () -> new Registrations().add(1200, StringBuilder.class));
        assertTrue(m.getMessage().contains("java.lang.StringBuilder") && m.getMessage().contains("Serializer"),
                m.getMessage());
    }
}
