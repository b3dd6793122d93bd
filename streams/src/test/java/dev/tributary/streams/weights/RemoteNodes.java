package dev.tributary.streams.weights;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;

/** Nodes for the multi-system tests: Artery over TCP on 127.0.0.1, each on a port of its own, no custom serializer. */
final class RemoteNodes {
    private RemoteNodes() {
    }

    static ActorTestKit start(String name) {
        Config config = ConfigFactory.parseString("""
                pekko.actor.provider = remote
                pekko.actor.allow-java-serialization = off
                pekko.remote.artery.canonical.hostname = 127.0.0.1
                pekko.remote.artery.canonical.port = 0
                # Not a cluster here; this lets the tests watch remote actors (a weight sender stopping) as between members.
                pekko.remote.use-unsafe-remote-features-outside-cluster = on
                pekko.loglevel = WARNING
                pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                """).withFallback(ConfigFactory.load());
        return ActorTestKit.create(name, config);
    }

    /** {@code ref}, which lives on {@code owner}, as a remote ref seen from {@code viewer}. */
    static <T> ActorRef<T> remoteRef(ActorRef<T> ref, ActorTestKit owner, ActorTestKit viewer) {
        String path = ActorRefResolver.get(owner.system()).toSerializationFormat(ref);
        return ActorRefResolver.get(viewer.system()).resolveActorRef(path);
    }
}
