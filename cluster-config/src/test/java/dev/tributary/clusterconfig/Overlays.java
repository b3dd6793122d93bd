package dev.tributary.clusterconfig;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Loads the module's classpath resources the way a node would, but never from the real environment. */
final class Overlays {

    /** The classpath folder every overlay and manifest lives under. */
    static final String DIR = "cluster-config";

    /** The five Tributary roles; one Kubernetes Deployment each. */
    static final List<String> ROLES = List.of("master", "rollout", "reward", "replay", "trainer");

    /** Environment variables are ignored, so a TRIBUTARY_PORT set on the build machine cannot change a test. */
    static final ConfigResolveOptions NO_ENV = ConfigResolveOptions.defaults().setUseSystemEnvironment(false);

    private Overlays() {
    }

    /** The overlay alone, parsed strictly (a missing resource fails) but not resolved. */
    static Config parse(String name) {
        return ConfigFactory.parseResources(Overlays.class.getClassLoader(), DIR + "/" + name,
                ConfigParseOptions.defaults().setAllowMissing(false));
    }

    /** The overlay resolved on its own, with {@code variables} standing in for environment variables. */
    static Config resolve(String name, Map<String, String> variables) {
        return ConfigFactory.parseMap(variables).withFallback(parse(name)).resolve(NO_ENV);
    }

    /** The overlay resolved on its own, no variables set. */
    static Config resolve(String name) {
        return resolve(name, Map.of());
    }

    /** As a node loads it: system properties over the overlay over every reference.conf on the classpath. */
    static Config load(String name) {
        ConfigFactory.invalidateCaches();
        return ConfigFactory.defaultOverrides().withFallback(parse(name))
                .withFallback(ConfigFactory.defaultReference()).resolve(NO_ENV);
    }

    /** Pekko's and pekko-management's reference.conf files from the test classpath, resolved. */
    static Config reference() {
        return ConfigFactory.defaultReference();
    }

    /** Every file under {@link #DIR}, as paths relative to it with '/' separators, sorted. */
    static List<String> listFiles() {
        URL url = Overlays.class.getClassLoader().getResource(DIR);
        if (url == null) {
            throw new IllegalStateException("no " + DIR + "/ on the test classpath");
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                try {
                    FileSystems.getFileSystem(uri);
                } catch (FileSystemNotFoundException e) {
                    FileSystems.newFileSystem(uri, Map.of());
                }
            }
            Path root = Path.of(uri);
            try (Stream<Path> files = Files.walk(root)) {
                return files.filter(Files::isRegularFile)
                        .map(p -> root.relativize(p).toString().replace('\\', '/'))
                        .sorted()
                        .toList();
            }
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The files under {@link #DIR} whose names end with {@code suffix}. */
    static List<String> listFiles(String suffix) {
        return listFiles().stream().filter(f -> f.endsWith(suffix)).toList();
    }
}
