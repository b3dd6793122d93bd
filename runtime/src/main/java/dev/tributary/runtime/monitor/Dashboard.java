package dev.tributary.runtime.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tributary.runtime.metrics.IterationMetrics;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the dashboard page shows, as the JSON its script polls ({@code /dashboard/state}): the node, the cluster's
 * members with their roles, the curves of reward, accuracy, length and throughput, the phase timings of the last
 * iterations and the newest events.
 */
final class Dashboard {
    /** Iterations in the phase table. */
    static final int PHASE_ROWS = 10;
    /** Events listed, newest first. */
    static final int EVENT_ROWS = 30;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private Dashboard() {
    }

    static String state(NodeMetrics m) {
        List<IterationMetrics> history = m.history();
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("node", m.system().address().toString());
        state.put("roles", m.roles());
        state.put("iteration", history.isEmpty() ? 0 : history.get(history.size() - 1).iteration());
        state.put("members", m.members());
        Map<String, List<Double>> curves = new LinkedHashMap<>();
        for (String k : List.of("iteration", "reward", "accuracy", "length", "tokensPerSecond")) {
            curves.put(k, new ArrayList<>());
        }
        for (IterationMetrics r : history) {
            curves.get("iteration").add((double) r.iteration());
            curves.get("reward").add(finite(r.meanReward()));
            curves.get("accuracy").add(finite(100 * r.heldOutAccuracy()));
            curves.get("length").add(finite(r.meanResponseLength()));
            curves.get("tokensPerSecond").add(finite(r.tokensPerSecond()));
        }
        state.put("curves", curves);
        List<Map<String, Object>> phases = new ArrayList<>();
        for (IterationMetrics r : history.subList(Math.max(0, history.size() - PHASE_ROWS), history.size())) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("iteration", r.iteration());
            row.put("rollout", r.rolloutSeconds());
            row.put("train", r.trainSeconds());
            row.put("sync", r.syncSeconds());
            row.put("handoff", r.handoffMillis() / 1000);
            row.put("total", r.seconds());
            phases.add(0, row);
        }
        state.put("phases", phases);
        List<Map<String, Object>> events = new ArrayList<>();
        List<RunEvents.Event> all = m.events().list();
        for (int i = all.size() - 1; i >= 0 && events.size() < EVENT_ROWS; i--) {
            events.add(Map.of("at", CLOCK.format(all.get(i).at()), "text", all.get(i).text()));
        }
        state.put("events", events);
        try {
            return JSON.writeValueAsString(state);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the dashboard's state does not serialize: " + e.getMessage(), e);
        }
    }

    /** JSON has no NaN: a missing value is null (the charts leave a gap, or join around it). */
    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
