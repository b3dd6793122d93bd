package dev.tributary.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.replay.ReplayStore;
import dev.tributary.actors.reward.RewardShaping;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.settings.TributarySettings;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Every plug-in role has one shape: by registered name, by class name or as an instance; an unknown name, a class
 * of another type and a name registered twice are refused naming the key, the class and the interface expected.
 */
class PluginsTest {
    private static RunParts parts(String hocon, Plugins plugins) {
        TributarySettings s = TributarySettings.load(ConfigFactory.parseString(hocon));
        return new RunParts(s, plugins, Topology.of(s, RoleKeys.ALL), () -> {
            throw new AssertionError("no sandbox needed");
        });
    }

    @Test
    void everyRole_refusesAnUnknownName_andAClassOfAnotherType() {
        for (Plugins.Kind<?, ?> kind : Plugins.KINDS) {
            var unknown = assertThrows(IllegalArgumentException.class, () -> parts(kind.key() + " = nope",
                    Plugins.builtIn()), kind.key());
            assertTrue(unknown.getMessage().startsWith(kind.key() + " = \"nope\": expected one of "), unknown.getMessage());
            assertTrue(unknown.getMessage().endsWith("or a fully qualified class name implementing "
                    + kind.type().getName()), unknown.getMessage());
            var wrong = assertThrows(IllegalArgumentException.class, () -> parts(kind.key() + " = java.lang.String",
                    Plugins.builtIn()), kind.key());
            assertEquals(kind.key() + " = \"java.lang.String\": class java.lang.String does not implement "
                    + kind.type().getName(), wrong.getMessage());
        }
    }

    @Test
    void aNameRegisteredTwice_isRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Plugins.builtIn()
                .register(Plugins.REPLAY_STORE, "groups", (c, ctx) -> ReplayStore.grouped(ctx.groupSize())));
        assertEquals("tributary.replay.store: 'groups' is already registered as a ReplayStore; names must be unique",
                e.getMessage());
        Plugins once = Plugins.builtIn().register(Plugins.REPLAY_STORE, "mine", (c, ctx) -> ReplayStore.grouped(2));
        e = assertThrows(IllegalArgumentException.class,
                () -> once.register(Plugins.REPLAY_STORE, "mine", (c, ctx) -> ReplayStore.grouped(2)));
        assertTrue(e.getMessage().startsWith("tributary.replay.store: 'mine' is already registered"), e.getMessage());
        assertEquals(Set.of("groups"), Plugins.builtIn().registry(Plugins.REPLAY_STORE).names(),
                "registering returns new plug-ins; the built-in ones are unchanged");
    }

    @Test
    void anInstanceOfAnotherType_isRefused() {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Plugins.Kind<Object, Object> store = (Plugins.Kind) Plugins.REPLAY_STORE;
        var e = assertThrows(IllegalArgumentException.class, () -> Plugins.builtIn().use(store, "a string"));
        assertEquals("tributary.replay.store: java.lang.String does not implement " + ReplayStore.class.getName(),
                e.getMessage());
    }

    @Test
    void aRoleIsChosenByName_byClassName_orAsAnInstance() {
        Supplier<RewardShaping> byName = () -> parts("", Plugins.builtIn()).shaping();
        assertEquals("PenaltyShaping", byName.get().getClass().getSimpleName());
        RewardShaping mine = RewardShaping.penalties(0, 0, 0.25);
        assertSame(mine, parts("", Plugins.builtIn().use(Plugins.REWARD_SHAPING, mine)).shaping());
        var registered = parts("tributary.replay { store = mine, mine.size = 7 }", Plugins.builtIn().register(
                Plugins.REPLAY_STORE, "mine", (c, ctx) -> ReplayStore.grouped(c.getInt("size")))).replayStore();
        assertEquals(0, registered.size());
        var byClass = parts("tributary.replay { store = \"" + CountingStore.class.getName() + "\", CountingStore.start = 3 }",
                Plugins.builtIn()).replayStore();
        assertEquals(3, byClass.size(), "the class read its own settings subtree");
    }

    /** A store from outside the runtime, built from its settings and the role's context by class name. */
    public static final class CountingStore implements ReplayStore {
        private final int start;

        public CountingStore(com.typesafe.config.Config settings, ReplayStore.Context context) {
            this.start = settings.getInt("start");
        }

        @Override
        public void add(dev.tributary.model.Trajectory trajectory) {
        }

        @Override
        public java.util.List<java.util.List<dev.tributary.model.Trajectory>> takeGroups() {
            return java.util.List.of();
        }

        @Override
        public java.util.List<dev.tributary.model.Trajectory> takeUnfinished() {
            return java.util.List.of();
        }

        @Override
        public java.util.List<dev.tributary.model.Trajectory> contents() {
            return java.util.List.of();
        }

        @Override
        public int size() {
            return start;
        }
    }
}
