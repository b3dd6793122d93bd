package dev.tributary.runtime.monitor;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResource;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * The routes a node adds to pekko-management's HTTP server ({@code pekko.management.http.routes} in the runtime's
 * reference.conf): {@code GET /metrics}, this node's {@link NodeMetrics} in Prometheus' text format; on the master's
 * node {@code GET /dashboard}, the live page, with {@code /dashboard/state} (its JSON, polled every second) and
 * uPlot's script and style from the WebJar on the classpath.
 */
public final class MonitorRoutes implements ManagementRouteProvider {
    static final ContentType PROMETHEUS = ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");
    /** uPlot's files in its WebJar: the version is the uplot dependency's (uplot.version in the parent pom). */
    static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    static final String PAGE = "dev/tributary/runtime/monitor/dashboard.html";

    private final ActorSystem<?> system;

    public MonitorRoutes(ExtendedActorSystem system) {
        this.system = Adapter.toTyped(system);
    }

    @Override
    public Route routes(ManagementRouteProviderSettings settings) {
        return concat(
                path("metrics", () -> get(() -> complete(HttpEntities.create(PROMETHEUS,
                        NodeMetrics.get(system).scrape().getBytes(StandardCharsets.UTF_8))))),
                pathPrefix("dashboard", () -> get(() -> {
                    NodeMetrics m = NodeMetrics.get(system);
                    if (!m.roles().contains("master")) {
                        return complete(StatusCodes.NOT_FOUND, "the dashboard is served by the node that runs the "
                                + "master; this one runs " + m.roles());
                    }
                    return concat(
                            pathEnd(() -> getFromResource(PAGE)),
                            path("state", () -> complete(HttpEntities.create(ContentTypes.APPLICATION_JSON,
                                    Dashboard.state(m)))),
                            path("uPlot.iife.min.js", () -> getFromResource(UPLOT + "uPlot.iife.min.js")),
                            path("uPlot.min.css", () -> getFromResource(UPLOT + "uPlot.min.css")));
                })));
    }
}
