package dev.tributary.runtime.monitor;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * The routes a node adds to pekko-management's HTTP server ({@code pekko.management.http.routes} in the runtime's
 * reference.conf): {@code GET /metrics}, this node's {@link NodeMetrics} in Prometheus' text format.
 */
public final class MonitorRoutes implements ManagementRouteProvider {
    static final ContentType PROMETHEUS = ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

    private final ActorSystem<?> system;

    public MonitorRoutes(ExtendedActorSystem system) {
        this.system = Adapter.toTyped(system);
    }

    @Override
    public Route routes(ManagementRouteProviderSettings settings) {
        return Directives.concat(
                path("metrics", () -> get(() -> complete(HttpEntities.create(PROMETHEUS,
                        NodeMetrics.get(system).scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8))))));
    }
}
