package dev.nanogen.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The deployment files against what the build produced (run by failsafe after this module's jar is
 * packaged): infra/k8s rendered as kustomize would (resources, namespace, image overrides) and
 * infra/compose.yaml. Every environment variable they set is one a service reads; probes and scrape
 * annotations hit the management port on paths the services expose; images name a registry and an
 * immutable tag; the compose test doubles run classes present in the bench jar and the lib/ its
 * manifest names.
 */
class DeploymentFilesIT {
  static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
  static final Path K8S = ROOT.resolve("infra/k8s");
  static final List<String> SERVICES = List.of("api-gateway", "generation-worker", "notifier");

  // --- kustomize, as far as this kustomization uses it -------------------------------------------

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> render() throws IOException {
    Map<String, Object> kustomization =
        new Yaml().load(Files.readString(K8S.resolve("kustomization.yaml")));
    Map<String, Map<String, Object>> images = new LinkedHashMap<>();
    for (Map<String, Object> image : (List<Map<String, Object>>) kustomization.get("images")) {
      images.put((String) image.get("name"), image);
    }
    List<Map<String, Object>> objects = new ArrayList<>();
    for (String resource : (List<String>) kustomization.get("resources")) {
      for (Object doc : new Yaml().loadAll(Files.readString(K8S.resolve(resource)))) {
        if (doc == null) {
          continue;
        }
        Map<String, Object> object = (Map<String, Object>) doc;
        if (!"Namespace".equals(object.get("kind"))) {
          map(object, "metadata").put("namespace", kustomization.get("namespace"));
        }
        for (Map<String, Object> container : containers(object)) {
          Map<String, Object> override = images.get((String) container.get("image"));
          if (override != null) {
            String name = (String) override.getOrDefault("newName", container.get("image"));
            container.put(
                "image",
                override.containsKey("digest")
                    ? name + "@" + override.get("digest")
                    : name + ":" + override.get("newTag"));
          }
        }
        objects.add(object);
      }
    }
    return objects;
  }

  @Test
  void
      the_kustomization_deploys_every_service_with_env_names_it_reads_probes_that_answer_and_pinned_images()
          throws IOException {
    List<Map<String, Object>> objects = render();
    assertThat(objects).filteredOn(o -> "Namespace".equals(o.get("kind"))).hasSize(1);
    assertThat(objects)
        .as("the Secret is created by hand, after the namespace")
        .noneMatch(o -> "Secret".equals(o.get("kind")));
    Map<String, String> config = stringData(one(objects, "ConfigMap", "nanogen-config"), "data");
    Map<String, Map<String, String>> secrets = new LinkedHashMap<>();
    for (Object doc : new Yaml().loadAll(Files.readString(K8S.resolve("secret.example.yaml")))) {
      Map<String, Object> secret = (Map<String, Object>) doc;
      secrets.put((String) map(secret, "metadata").get("name"), stringData(secret, "stringData"));
    }
    Set<String> secretsUsed = new TreeSet<>();

    Map<String, Set<String>> readers = new LinkedHashMap<>();
    for (String service : SERVICES) {
      Map<String, Object> deployment = one(objects, "Deployment", service);
      Set<String> reads = ServiceSettings.of(service).envNames();
      Map<String, Object> container = containers(deployment).getFirst();
      List<String> envFrom = new ArrayList<>();
      for (Map<String, Object> source : list(container, "envFrom")) {
        if (source.containsKey("configMapRef")) {
          assertThat(map(source, "configMapRef").get("name")).isEqualTo("nanogen-config");
          envFrom.addAll(config.keySet());
        } else {
          String name = (String) map(source, "secretRef").get("name");
          assertThat(secrets).as(service + "'s secret " + name).containsKey(name);
          assertThat(secretsUsed.add(name)).as("a secret of one service: " + name).isTrue();
          // Only what this service reads: every key of its secret is one of its settings.
          secrets
              .get(name)
              .keySet()
              .forEach(
                  key ->
                      assertThat(ServiceSettings.reads(reads, key))
                          .as(service + " reads " + key + " of " + name)
                          .isTrue());
          envFrom.addAll(secrets.get(name).keySet());
        }
      }
      for (String name : envFrom) {
        readers.computeIfAbsent(name, n -> new TreeSet<>());
        if (ServiceSettings.reads(reads, name)) {
          readers.get(name).add(service);
        }
      }
      for (Map<String, Object> env : list(container, "env")) {
        assertThat(ServiceSettings.reads(reads, (String) env.get("name")))
            .as(service + " reads " + env.get("name"))
            .isTrue();
      }

      int management = ServiceSettings.of(service).managementPort();
      assertThat(list(container, "ports"))
          .as(service + "'s management port")
          .anyMatch(
              p ->
                  "management".equals(p.get("name"))
                      && Integer.valueOf(management).equals(p.get("containerPort")));
      for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
        Map<String, Object> get = map(map(container, probe), "httpGet");
        assertThat(get.get("port")).as(service + " " + probe).isEqualTo("management");
        assertThat(ServiceSettings.of(service).answers((String) get.get("path")))
            .as(service + " " + probe + " " + get.get("path"))
            .isTrue();
      }
      Map<String, Object> annotations =
          map(map(map(map(deployment, "spec"), "template"), "metadata"), "annotations");
      assertThat(annotations.get("prometheus.io/port")).isEqualTo(Integer.toString(management));
      assertThat(
              ServiceSettings.of(service).answers((String) annotations.get("prometheus.io/path")))
          .isTrue();

      String image = (String) container.get("image");
      assertThat(image)
          .as(service + "'s image has a registry")
          .matches("[a-z0-9.-]+(\\.[a-z]+|:[0-9]+)/.+");
      assertThat(image)
          .as(service + "'s image is pinned")
          .matches(".+(@sha256:[0-9a-f]{64}|:[0-9]+\\.[0-9]+\\.[0-9]+)")
          .doesNotContain("SNAPSHOT")
          .doesNotEndWith(":latest");

      // Hardened: its own ServiceAccount without an API token, non-root, read-only root with a
      // writable /tmp, no privilege escalation, no capabilities, a preStop pause, spread out.
      Map<String, Object> pod = map(map(map(deployment, "spec"), "template"), "spec");
      assertThat(pod.get("serviceAccountName")).isEqualTo(service);
      assertThat(pod.get("automountServiceAccountToken")).isEqualTo(false);
      Map<String, Object> account = one(objects, "ServiceAccount", service);
      assertThat(account.get("automountServiceAccountToken")).isEqualTo(false);
      assertThat(map(pod, "securityContext"))
          .containsEntry("runAsNonRoot", true)
          .containsKey("runAsUser");
      Map<String, Object> hardened = map(container, "securityContext");
      assertThat(hardened)
          .containsEntry("allowPrivilegeEscalation", false)
          .containsEntry("readOnlyRootFilesystem", true);
      assertThat(map(hardened, "capabilities").get("drop")).isEqualTo(List.of("ALL"));
      assertThat(list(container, "volumeMounts")).anyMatch(m -> "/tmp".equals(m.get("mountPath")));
      assertThat(list(pod, "volumes")).anyMatch(v -> v.containsKey("emptyDir"));
      int preStop =
          (Integer) map(map(map(container, "lifecycle"), "preStop"), "sleep").get("seconds");
      assertThat(preStop).isPositive();
      assertThat(list(pod, "topologySpreadConstraints"))
          .extracting(c -> c.get("topologyKey"))
          .contains("kubernetes.io/hostname", "topology.kubernetes.io/zone");
      if (service.equals("generation-worker")) {
        // The pod outlives the preStop pause and the worker's grace for the image calls it sent.
        long grace = ServiceSettings.of(service).durationSeconds("nanogen.worker.shutdown-grace");
        long imageTimeout =
            ServiceSettings.of(service).durationSeconds("nanogen.aiml.image-timeout");
        assertThat(grace).isGreaterThan(imageTimeout);
        assertThat(((Number) pod.get("terminationGracePeriodSeconds")).longValue())
            .isGreaterThan(grace + preStop);
      }

      Map<String, Object> selector = map(map(deployment, "spec"), "selector");
      assertThat(objects)
          .as(service + "'s disruption budget")
          .anyMatch(
              o ->
                  "PodDisruptionBudget".equals(o.get("kind"))
                      && selector.equals(map(map(o, "spec"), "selector")));
    }
    readers.forEach(
        (name, services) -> assertThat(services).as("a service reads " + name).isNotEmpty());

    // The worker scales on the backlog the workers export, not on CPU beside it.
    Map<String, Object> scaler = one(objects, "ScaledObject", "generation-worker");
    String query =
        (String) map(list(map(scaler, "spec"), "triggers").getFirst(), "metadata").get("query");
    assertThat(query).contains("nanogen_worker_requests_backlog");
    assertThat(
            ServiceSettings.of("generation-worker")
                .sourceMentions("nanogen.worker.requests.backlog"))
        .isTrue();
    assertThat(objects).noneMatch(o -> "HorizontalPodAutoscaler".equals(o.get("kind")));

    // The public HTTPS host is the one the services hand out for files and the webhook, served
    // through the Gateway API (no Ingress), with no time-out on the live events stream.
    assertThat(objects).noneMatch(o -> "Ingress".equals(o.get("kind")));
    Map<String, Object> gateway = one(objects, "Gateway", "nanogen");
    Map<String, Object> route = one(objects, "HTTPRoute", "api-gateway");
    String host = URI.create(config.get("NANOGEN_FILES_PUBLIC_BASE_URL")).getHost();
    assertThat(URI.create(config.get("NANOGEN_FILES_PUBLIC_BASE_URL")).getScheme())
        .isEqualTo("https");
    assertThat(URI.create(config.get("NANOGEN_TELEGRAM_WEBHOOK_URL")).getHost()).isEqualTo(host);
    Map<String, Object> listener = list(map(gateway, "spec"), "listeners").getFirst();
    assertThat(listener).containsEntry("protocol", "HTTPS").containsEntry("hostname", host);
    assertThat((List<String>) map(route, "spec").get("hostnames")).containsExactly(host);
    assertThat(list(map(route, "spec"), "rules"))
        .anyMatch(
            r ->
                String.valueOf(r.get("matches")).contains("/api/events")
                    && "0s".equals(map(r, "timeouts").get("request")));

    // Nothing reaches a pod unless a policy lets it; the notifier's admin port is let in by none.
    assertThat(objects)
        .anyMatch(
            o ->
                "NetworkPolicy".equals(o.get("kind"))
                    && map(map(o, "spec"), "podSelector").isEmpty()
                    && ((List<?>) map(o, "spec").get("policyTypes")).contains("Ingress")
                    && !map(o, "spec").containsKey("ingress"));
    assertThat(objects)
        .filteredOn(
            o -> "NetworkPolicy".equals(o.get("kind")) && map(o, "spec").containsKey("ingress"))
        .allSatisfy(
            o -> assertThat(String.valueOf(map(o, "spec").get("ingress"))).doesNotContain("admin"));
  }

  @Test
  void images_build_on_a_base_pinned_by_digest_carry_oci_labels_and_an_sbom_of_what_they_ship()
      throws Exception {
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    assertThat(pom)
        .as("the base image by digest")
        .containsPattern("<image.base>[a-z0-9./-]+:[0-9a-z.-]+@sha256:[0-9a-f]{64}</image.base>")
        .contains("<image>${image.base}</image>");
    for (String label :
        List.of("title", "description", "version", "revision", "vendor", "base.name")) {
      assertThat(pom).contains("<org.opencontainers.image." + label + ">");
    }
    for (String service : SERVICES) {
      Path sbom = ROOT.resolve(service + "/target/classes/META-INF/sbom/application.cdx.json");
      String bom = Files.readString(sbom);
      List<String> components = com.jayway.jsonpath.JsonPath.read(bom, "$.components[*].purl");
      assertThat(components)
          .as(service + "'s SBOM lists what its jar ships")
          .anyMatch(p -> p.startsWith("pkg:maven/org.springframework.boot/spring-boot@"))
          .anyMatch(p -> p.startsWith("pkg:maven/dev.nanogen/shared-model@"))
          .noneMatch(p -> p.contains("/com.squareup.okhttp3/"))
          .noneMatch(p -> p.contains("/micrometer-registry-otlp@"))
          .noneMatch(p -> p.contains("/software.amazon.awssdk/apache5-client@"));
      assertThat(components)
          .as(service + "'s SBOM leaves out test-only libraries")
          .noneMatch(p -> p.contains("/org.junit.jupiter/"));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void compose_runs_the_images_and_jars_the_build_makes_with_env_names_the_services_read()
      throws Exception {
    Map<String, Object> compose =
        new Yaml().load(Files.readString(ROOT.resolve("infra/compose.yaml")));
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    assertThat(pom)
        .as("Jib names the images")
        .contains("<image>nanogen/${project.artifactId}:${project.version}</image>");
    Matcher version =
        Pattern.compile("<artifactId>nanogen</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(pom);
    assertThat(version.find()).isTrue();

    Map<String, Object> services = (Map<String, Object>) compose.get("services");
    Map<String, String> env = (Map<String, String>) compose.get("x-service-env");
    for (String name : env.keySet()) {
      assertThat(SERVICES)
          .as("a service reads " + name)
          .anyMatch(s -> ServiceSettings.reads(ServiceSettings.of(s).envNames(), name));
    }
    assertThat(env.get("NANOGEN_ADMIN_TOKEN")).as("no known admin token").contains(":?");
    assertThat(env.get("NANOGEN_TELEGRAM_BOT_TOKEN")).as("no known bot token").contains(":?");
    int doubles = 0;
    for (Map.Entry<String, Object> entry : services.entrySet()) {
      Map<String, Object> service = (Map<String, Object>) entry.getValue();
      for (Object port : (List<Object>) service.getOrDefault("ports", List.of())) {
        assertThat(String.valueOf(port))
            .as(entry.getKey() + " publishes on loopback only")
            .startsWith("127.0.0.1:");
      }
      if (SERVICES.contains(entry.getKey())) {
        assertThat(service.get("image"))
            .isEqualTo("nanogen/" + entry.getKey() + ":" + version.group(1));
        Map<String, Object> own =
            (Map<String, Object>) service.getOrDefault("environment", Map.of());
        own.keySet().stream()
            .filter(n -> !env.containsKey(n))
            .forEach(
                n ->
                    assertThat(
                            ServiceSettings.reads(ServiceSettings.of(entry.getKey()).envNames(), n))
                        .as(entry.getKey() + " reads " + n)
                        .isTrue());
      }
      if (service.get("command") instanceof List<?> command && command.getFirst().equals("java")) {
        doubles++;
        String classPath = (String) command.get(command.indexOf("-cp") + 1);
        String mainClass = (String) command.get(command.indexOf("-cp") + 2);
        Path jar = hostPath((List<String>) service.get("volumes"), classPath);
        assertThat(jar).as(entry.getKey() + "'s jar, built by this module").isRegularFile();
        List<URL> urls = new ArrayList<>(List.of(jar.toUri().toURL()));
        try (JarFile file = new JarFile(jar.toFile())) {
          for (String entryName :
              file.getManifest().getMainAttributes().getValue("Class-Path").split(" ")) {
            Path lib = jar.resolveSibling(entryName);
            assertThat(lib).as("the manifest's " + entryName).isRegularFile();
            urls.add(lib.toUri().toURL());
          }
        }
        try (URLClassLoader loader =
            new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
          assertThat(loader.loadClass(mainClass).getMethod("main", String[].class)).isNotNull();
        }
      }
    }
    assertThat(doubles).as("the AIML sandbox and the Telegram stub").isEqualTo(2);
  }

  /**
   * Where a container path lies on the host, through the service's {@code host:container[:ro]}
   * volumes.
   */
  private static Path hostPath(List<String> volumes, String containerPath) {
    for (String volume : volumes) {
      String[] parts = volume.split(":");
      if (containerPath.startsWith(parts[1] + "/")) {
        return ROOT.resolve("infra")
            .resolve(parts[0])
            .resolve(containerPath.substring(parts[1].length() + 1))
            .normalize();
      }
    }
    throw new AssertionError(containerPath + " is on no volume");
  }

  // --- what a service reads
  // ------------------------------------------------------------------------

  /**
   * A service's settings: its application.yml, the shared nanogen-ops.yml and its configuration
   * metadata.
   */
  record ServiceSettings(
      String module,
      Set<String> envNames,
      int managementPort,
      Set<String> exposed,
      boolean probes,
      Map<String, String> defaults) {
    private static final Map<String, ServiceSettings> CACHE = new LinkedHashMap<>();

    static synchronized ServiceSettings of(String module) {
      return CACHE.computeIfAbsent(module, ServiceSettings::load);
    }

    @SuppressWarnings("unchecked")
    private static ServiceSettings load(String module) {
      try {
        Set<String> names = new TreeSet<>();
        Map<String, String> defaults = new LinkedHashMap<>();
        String app = Files.readString(ROOT.resolve(module + "/src/main/resources/application.yml"));
        String ops =
            Files.readString(ROOT.resolve("shared-ops/src/main/resources/nanogen-ops.yml"));
        for (String yaml : List.of(app, ops)) {
          Matcher placeholder = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]").matcher(yaml);
          while (placeholder.find()) {
            names.add(placeholder.group(1));
          }
          flatten("", new Yaml().load(yaml), names);
        }
        // The service's own settings, and shared-ops' (every service has them).
        for (String owner : List.of(module, "shared-ops")) {
          JsonNode metadata =
              JsonMapper.builder()
                  .build()
                  .readTree(
                      ROOT.resolve(
                              owner + "/target/classes/META-INF/spring-configuration-metadata.json")
                          .toFile());
          for (JsonNode property : metadata.get("properties")) {
            if (property.has("defaultValue")) {
              defaults.put(
                  property.get("name").asString(), property.get("defaultValue").asString(""));
            }
            String type = property.path("type").asString("");
            names.add(
                envForm(property.get("name").asString())
                    + (type.startsWith("java.util.Map") ? "*" : ""));
          }
        }
        Matcher port = Pattern.compile("\\$\\{MANAGEMENT_SERVER_PORT:(\\d+)}").matcher(app);
        assertThat(port.find()).as(module + " sets its management port").isTrue();
        Map<String, Object> opsYaml = new Yaml().load(ops);
        Map<String, Object> endpoint = map(map(opsYaml, "management"), "endpoint");
        String include =
            (String)
                map(map(map(map(opsYaml, "management"), "endpoints"), "web"), "exposure")
                    .get("include");
        return new ServiceSettings(
            module,
            names,
            Integer.parseInt(port.group(1)),
            Set.of(include.split(",")),
            Boolean.TRUE.equals(map(map(endpoint, "health"), "probes").get("enabled")),
            defaults);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object node, Set<String> names) {
      if (node instanceof Map<?, ?> map) {
        map.forEach(
            (key, value) ->
                flatten(prefix.isEmpty() ? String.valueOf(key) : prefix + "." + key, value, names));
      } else {
        names.add(envForm(prefix));
      }
    }

    /**
     * A property name as relaxed binding matches an environment variable: upper case, no
     * separators.
     */
    static String envForm(String property) {
      return property.replaceAll("[._\\-\\[\\]]", "").toUpperCase(Locale.ROOT);
    }

    /** Whether an environment variable named {@code env} sets something the service reads. */
    static boolean reads(Set<String> names, String env) {
      String form = envForm(env);
      return names.contains(env)
          || names.contains(form)
          || names.stream()
              .anyMatch(n -> n.endsWith("*") && form.startsWith(n.substring(0, n.length() - 1)));
    }

    /** Whether the management server answers {@code path}. */
    /** The default of a duration setting ({@code 200s}, {@code 3m}), in whole seconds. */
    long durationSeconds(String property) {
      String value = defaults.get(property);
      assertThat(value).as(module + " declares a default for " + property).isNotNull();
      Matcher duration = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(value);
      assertThat(duration.matches()).as(property + " = " + value).isTrue();
      long amount = Long.parseLong(duration.group(1));
      return switch (duration.group(2)) {
        case "ms" -> amount / 1000;
        case "s" -> amount;
        case "m" -> amount * 60;
        default -> amount * 3600;
      };
    }

    boolean answers(String path) {
      if (path.equals("/actuator/health/liveness") || path.equals("/actuator/health/readiness")) {
        return probes && exposed.contains("health");
      }
      return path.startsWith("/actuator/")
          && exposed.contains(path.substring("/actuator/".length()));
    }

    boolean sourceMentions(String text) throws IOException {
      try (var files = Files.walk(ROOT.resolve(module + "/src/main/java"))) {
        return files
            .filter(Files::isRegularFile)
            .anyMatch(
                f -> {
                  try {
                    return Files.readString(f).contains('"' + text + '"');
                  } catch (IOException e) {
                    throw new IllegalStateException(e);
                  }
                });
      }
    }
  }

  // --- YAML access
  // ---------------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Map<String, Object> parent, String key) {
    Object value = parent.get(key);
    assertThat(value).as(key).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
    return (List<Map<String, Object>>) parent.getOrDefault(key, List.of());
  }

  static Map<String, String> stringData(Map<String, Object> object, String key) {
    Map<String, String> data = new LinkedHashMap<>();
    map(object, key).forEach((k, v) -> data.put(k, String.valueOf(v)));
    return data;
  }

  static Map<String, Object> one(List<Map<String, Object>> objects, String kind, String name) {
    List<Map<String, Object>> found =
        objects.stream()
            .filter(o -> kind.equals(o.get("kind")) && name.equals(map(o, "metadata").get("name")))
            .toList();
    assertThat(found).as(kind + " " + name).hasSize(1);
    return found.getFirst();
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> containers(Map<String, Object> object) {
    if (!"Deployment".equals(object.get("kind"))) {
      return List.of();
    }
    return (List<Map<String, Object>>)
        ((Map<String, Object>)
                ((Map<String, Object>) ((Map<String, Object>) object.get("spec")).get("template"))
                    .get("spec"))
            .get("containers");
  }
}
