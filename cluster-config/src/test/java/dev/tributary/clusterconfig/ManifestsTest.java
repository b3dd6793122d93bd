package dev.tributary.clusterconfig;

import static dev.tributary.clusterconfig.Manifests.at;
import static dev.tributary.clusterconfig.Manifests.list;
import static dev.tributary.clusterconfig.Manifests.map;
import static dev.tributary.clusterconfig.Manifests.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.tributary.clusterconfig.Manifests.Doc;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The Kubernetes manifests: RBAC for discovery and one Deployment per role, consistent with kubernetes.conf. */
final class ManifestsTest {

    static final List<String> ROLES = Overlays.ROLES;

    // Parsed once: the files do not change while the tests run.
    private static final List<Doc> DOCS = Manifests.all();
    private static final Config CONF = Overlays.load(KubernetesOverlayTest.NAME);

    private static Map<String, Doc> deploymentsByRole() {
        return DOCS.stream().filter(d -> "Deployment".equals(d.kind()))
                .collect(Collectors.toMap(d -> str(d.body(), "metadata", "labels", "role"), Function.identity()));
    }

    private static Doc only(String kind) {
        List<Doc> found = DOCS.stream().filter(d -> kind.equals(d.kind())).toList();
        assertEquals(1, found.size(), "exactly one " + kind);
        return found.get(0);
    }

    private static Map<String, Object> container(Doc deployment) {
        List<Object> containers = list(deployment.body(), "spec", "template", "spec", "containers");
        assertEquals(1, containers.size(), deployment.name() + ": one container");
        return map(containers.get(0));
    }

    @Test
    void everyDocument_hasAKnownKindAndAName() {
        Set<String> kinds = new TreeSet<>();
        for (Doc d : DOCS) {
            assertNotNull(d.body().get("apiVersion"), d.file() + ": apiVersion");
            assertNotNull(d.name(), d.file() + ": metadata.name");
            kinds.add(d.kind());
        }
        assertEquals(new TreeSet<>(List.of("Deployment", "PersistentVolumeClaim", "Role", "RoleBinding",
                "ServiceAccount")), kinds);
        assertEquals(ROLES.size() + 4, DOCS.size(), "five Deployments, a ServiceAccount, a Role, a RoleBinding and "
                + "the checkpoints' claim");
    }

    @Test
    void oneDeployment_perRole_inAFileNamedAfterIt() {
        Map<String, Doc> byRole = deploymentsByRole();
        assertEquals(new TreeSet<>(ROLES), new TreeSet<>(byRole.keySet()));
        byRole.forEach((role, d) -> {
            assertEquals(Manifests.DIR + role + ".yaml", d.file());
            assertEquals("tributary-" + role, d.name());
        });
    }

    @ParameterizedTest
    @FieldSource("ROLES")
    void podLabels_matchTheSelectorAndTheDiscoveryLabel(String role) {
        Doc d = deploymentsByRole().get(role);
        Map<String, Object> podLabels = map(d.body(), "spec", "template", "metadata", "labels");
        Map<String, Object> selector = map(d.body(), "spec", "selector", "matchLabels");
        assertEquals(Map.of("app", "tributary", "role", role), podLabels);
        assertEquals(podLabels, selector);
        assertEquals(podLabels, map(d.body(), "metadata", "labels"), "the Deployment is labelled like its pods");
        String[] discovery = KubernetesOverlayTest.effectiveLabelSelector(CONF).split("=");
        assertEquals(discovery[1], podLabels.get(discovery[0]), "kubernetes.conf selects pods by this label");
    }

    @ParameterizedTest
    @FieldSource("ROLES")
    void container_startsANodeOfItsRole(String role) {
        Map<String, Object> c = container(deploymentsByRole().get(role));
        assertEquals(List.of("tributary", "node", "--roles", role, "--config", "cluster-config/kubernetes.conf"),
                c.get("command"));
        Map<String, Map<String, Object>> env = list(c, "env").stream().map(Manifests::map)
                .collect(Collectors.toMap(e -> (String) e.get("name"), Function.identity()));
        assertEquals(role, env.get("TRIBUTARY_ROLES").get("value"));
        assertEquals("status.podIP", str(env.get("POD_IP"), "valueFrom", "fieldRef", "fieldPath"));
        assertEquals("tributary:0.1.0", c.get("image"), "the image runtime/dist's Jib profile builds");
        assertTrue(((String) env.get("TRIBUTARY_JAVA_OPTS").get("value")).contains("-X"), "the pod's heap");
        assertTrue(!env.containsKey("JAVA_TOOL_OPTIONS"), "every JVM would print 'Picked up JAVA_TOOL_OPTIONS'");
    }

    @ParameterizedTest
    @FieldSource("ROLES")
    void pods_areScrapedForTheirMetrics_onTheManagementPort(String role) {
        Map<String, Object> annotations = map(map(deploymentsByRole().get(role).body(), "spec", "template",
                "metadata"), "annotations");
        assertEquals(Map.of("prometheus.io/scrape", "true", "prometheus.io/port",
                String.valueOf(CONF.getInt("pekko.management.http.port")), "prometheus.io/path", "/metrics"),
                annotations);
        assertTrue(CONF.getBoolean("tributary.monitor.http"), "kubernetes.conf serves the metrics");
    }

    @ParameterizedTest
    @FieldSource("ROLES")
    void containerPorts_areThoseOfKubernetesConf(String role) {
        Map<String, Object> ports = list(container(deploymentsByRole().get(role)), "ports").stream()
                .map(Manifests::map)
                .collect(Collectors.toMap(p -> (String) p.get("name"), p -> p.get("containerPort")));
        String managementName = CONF.getString("pekko.management.cluster.bootstrap.contact-point-discovery.port-name");
        assertEquals(Map.of("remoting", CONF.getInt("pekko.remote.artery.canonical.port"),
                managementName, CONF.getInt("pekko.management.http.port")), ports);
        assertEquals(Map.of("remoting", 25520, "management", 8558), ports);
    }

    @ParameterizedTest
    @FieldSource("ROLES")
    void probes_callPekkoManagementsHealthChecks(String role) {
        Map<String, Object> c = container(deploymentsByRole().get(role));
        String port = CONF.getString("pekko.management.cluster.bootstrap.contact-point-discovery.port-name");
        assertEquals("/" + CONF.getString("pekko.management.health-checks.readiness-path"),
                str(c, "readinessProbe", "httpGet", "path"));
        assertEquals("/" + CONF.getString("pekko.management.health-checks.liveness-path"),
                str(c, "livenessProbe", "httpGet", "path"));
        assertEquals(List.of("/ready", "/alive"),
                List.of(str(c, "readinessProbe", "httpGet", "path"), str(c, "livenessProbe", "httpGet", "path")));
        assertEquals(port, str(c, "readinessProbe", "httpGet", "port"));
        assertEquals(port, str(c, "livenessProbe", "httpGet", "port"));
    }

    @ParameterizedTest
    @FieldSource("ROLES")
    void resources_haveRequestsWithinLimits(String role) {
        Map<String, Object> c = container(deploymentsByRole().get(role));
        BigDecimal cpuRequest = Manifests.cpu(str(c, "resources", "requests", "cpu"));
        BigDecimal cpuLimit = Manifests.cpu(str(c, "resources", "limits", "cpu"));
        assertTrue(cpuRequest.signum() > 0 && cpuRequest.compareTo(cpuLimit) <= 0, role + ": cpu request <= limit");
        // Memory is not overcommitted: the JVM's heap and ND4J's off-heap budget are sized to this one figure.
        assertEquals(Manifests.bytes(str(c, "resources", "requests", "memory")),
                Manifests.bytes(str(c, "resources", "limits", "memory")), role + ": memory request = limit");
    }

    @Test
    void rollout_getsTheMostCpu() {
        Map<String, BigDecimal> cpu = deploymentsByRole().entrySet().stream().collect(Collectors.toMap(
                Map.Entry::getKey, e -> Manifests.cpu(str(container(e.getValue()), "resources", "requests", "cpu"))));
        String most = cpu.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        assertEquals("rollout", most, "cpu requests " + cpu);
    }

    @Test
    void initialPods_areEnoughForBootstrapToFormTheCluster() {
        int pods = deploymentsByRole().values().stream()
                .mapToInt(d -> ((Number) at(d.body(), "spec", "replicas")).intValue()).sum();
        int required = CONF.getInt(
                "pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr");
        assertTrue(required <= pods, required + " contact points required but only " + pods + " pods deployed");
        assertEquals(1, ((Number) at(deploymentsByRole().get("master").body(), "spec", "replicas")).intValue(),
                "the master is a singleton");
    }

    @Test
    void role_letsDiscoveryGetWatchAndListPods() {
        List<Object> rules = list(only("Role").body(), "rules");
        Map<String, Object> podRule = rules.stream().map(Manifests::map)
                .filter(r -> list(r, "resources").contains("pods")).findFirst().orElseThrow();
        assertEquals(List.of(""), podRule.get("apiGroups"), "pods are in the core API group");
        assertEquals(Set.of("get", "watch", "list"), Set.copyOf(list(podRule, "verbs")));
    }

    @Test
    void roleBinding_grantsTheRoleToTheServiceAccount() {
        Doc binding = only("RoleBinding");
        assertEquals("Role", str(binding.body(), "roleRef", "kind"));
        assertEquals(only("Role").name(), str(binding.body(), "roleRef", "name"));
        assertEquals("rbac.authorization.k8s.io", str(binding.body(), "roleRef", "apiGroup"));
        List<Object> subjects = list(binding.body(), "subjects");
        assertEquals(1, subjects.size());
        assertEquals("ServiceAccount", str(subjects.get(0), "kind"));
        assertEquals(only("ServiceAccount").name(), str(subjects.get(0), "name"));
    }

    @Test
    void statefulRoles_mountOneSharedClaim_whereKubernetesConfPutsCheckpointsAndRunFiles() {
        Doc claim = only("PersistentVolumeClaim");
        assertEquals(List.of("ReadWriteMany"), list(claim.body(), "spec", "accessModes"),
                "the master, trainer and replay pods mount it at once, on any machine");
        for (String role : ROLES) {
            Doc d = deploymentsByRole().get(role);
            List<Object> volumes = list(d.body(), "spec", "template", "spec", "volumes");
            List<Object> mounts = list(container(d), "volumeMounts");
            if (!Set.of("master", "trainer", "replay").contains(role)) {
                assertTrue(volumes.isEmpty() && mounts.isEmpty(), role + " keeps no state and mounts nothing");
                continue;
            }
            assertEquals(1, volumes.size(), role);
            assertEquals(claim.name(), str(volumes.get(0), "persistentVolumeClaim", "claimName"), role);
            assertEquals(1, mounts.size(), role);
            assertEquals(str(volumes.get(0), "name"), str(mounts.get(0), "name"), role);
            String mountPath = str(mounts.get(0), "mountPath") + "/";
            for (String key : List.of("tributary.run.checkpoint-dir", "tributary.run.out-dir")) {
                assertTrue(CONF.getString(key).startsWith(mountPath), key + " = " + CONF.getString(key)
                        + " is not under " + role + "'s mount " + mountPath);
            }
        }
    }

    @Test
    void everyDeployment_runsAsTheDiscoveryServiceAccount() {
        String account = only("ServiceAccount").name();
        deploymentsByRole().forEach((role, d) ->
                assertEquals(account, str(d.body(), "spec", "template", "spec", "serviceAccountName"), role));
    }
}
