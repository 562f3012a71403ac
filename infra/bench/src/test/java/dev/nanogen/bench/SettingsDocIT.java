package dev.nanogen.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Every setting lives in a {@code @ConfigurationProperties} record with its default, and
 * docs/settings.md is the table Spring's configuration metadata (written by the configuration
 * processor from those records and their Javadoc) gives: a setting added, renamed, re-defaulted or
 * re-described without the page fails here, and so does a {@code ${nanogen.…}} placeholder in code
 * or a yml default that says something other than the record.
 */
class SettingsDocIT {
  private static final Path ROOT = DeploymentFilesIT.ROOT;
  private static final Path PAGE = ROOT.resolve("docs/settings.md");
  private static final String BEGIN = "<!-- rendered by SettingsDocIT: begin -->";
  private static final String END = "<!-- rendered by SettingsDocIT: end -->";
  private static final Pattern ENV_PLACEHOLDER =
      Pattern.compile("^\\$\\{([A-Z0-9_]+):(.*)}$", Pattern.DOTALL);

  /** The services and what each is called on the page. */
  private static final Map<String, String> MODULES = new LinkedHashMap<>();

  static {
    MODULES.put("api-gateway", "api-gateway");
    MODULES.put("generation-worker", "generation-worker");
    MODULES.put("notifier", "notifier");
    MODULES.put(
        "shared-ops",
        "shared (shared-ops): `nanogen.kafka.*` in every service, `nanogen.files.s3.*` in the"
            + " gateway and the worker");
  }

  /**
   * Settings a yml file may set without a record: the readiness group a service chooses for the
   * shared health settings (nanogen-ops.yml imports win over the importing file, so the choice is a
   * placeholder there).
   */
  private static final List<String> NOT_IN_A_RECORD = List.of("nanogen.readiness.include");

  @Test
  void the_settings_page_is_the_table_the_configuration_metadata_gives() throws IOException {
    String page = Files.readString(PAGE);
    assertThat(page).contains(BEGIN).contains(END);
    String rendered = render();
    String current = page.substring(page.indexOf(BEGIN) + BEGIN.length(), page.indexOf(END));
    if (!current.equals(rendered)) {
      Path expected = ROOT.resolve("infra/bench/target/settings.md");
      Files.createDirectories(expected.getParent());
      Files.writeString(
          expected,
          page.substring(0, page.indexOf(BEGIN) + BEGIN.length())
              + rendered
              + page.substring(page.indexOf(END)));
      assertThat(current)
          .as("docs/settings.md is stale; the page as it should read is in " + expected)
          .isEqualTo(rendered);
    }
  }

  @Test
  void no_code_reads_a_setting_outside_its_record() throws IOException {
    List<String> placeholders = new ArrayList<>();
    for (String module : List.of("api-gateway", "generation-worker", "notifier", "shared-ops")) {
      try (Stream<Path> files = Files.walk(ROOT.resolve(module + "/src/main/java"))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          if (Files.readString(file).contains("${nanogen.")) {
            placeholders.add(ROOT.relativize(file).toString());
          }
        }
      }
    }
    assertThat(placeholders).as("sources with a ${nanogen.…} placeholder").isEmpty();
  }

  @Test
  void every_nanogen_setting_in_a_yml_file_is_a_record_s_and_says_its_default() throws IOException {
    List<String> wrong = new ArrayList<>();
    for (String module : List.of("api-gateway", "generation-worker", "notifier")) {
      Map<String, Map<String, Object>> known = new TreeMap<>(metadata(module));
      known.putAll(metadata("shared-ops"));
      try (Stream<Path> files = Files.list(ROOT.resolve(module + "/src/main/resources"))) {
        for (Path yml : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
          for (Object doc : new Yaml().loadAll(Files.readString(yml))) {
            for (Map.Entry<String, Object> setting : flatten("", doc).entrySet()) {
              String key = setting.getKey();
              if (!key.startsWith("nanogen.") || NOT_IN_A_RECORD.contains(key)) {
                continue;
              }
              Map<String, Object> property = known.get(key);
              if (property == null) {
                wrong.add(yml.getFileName() + " (" + module + "): " + key + " is in no record");
                continue;
              }
              Matcher env = ENV_PLACEHOLDER.matcher(String.valueOf(setting.getValue()));
              Object recordDefault = property.get("defaultValue");
              if (env.matches()
                  && !env.group(2).isEmpty()
                  && !env.group(2).equals(String.valueOf(recordDefault))) {
                wrong.add(
                    yml.getFileName()
                        + " ("
                        + module
                        + "): "
                        + key
                        + " defaults to "
                        + env.group(2)
                        + ", its record to "
                        + recordDefault);
              }
            }
          }
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  /** The page's tables, one per service, in the metadata's order (by name). */
  private static String render() throws IOException {
    Map<String, String> envOverrides = envNamesFromYml();
    Map<String, Map<String, Object>> shared = metadata("shared-ops");
    StringBuilder out = new StringBuilder("\n");
    for (Map.Entry<String, String> module : MODULES.entrySet()) {
      out.append("\n## ").append(module.getValue()).append("\n\n");
      out.append("| setting | environment variable | default | meaning |\n");
      out.append("|---|---|---|---|\n");
      for (Map<String, Object> property : metadata(module.getKey()).values()) {
        if (!module.getKey().equals("shared-ops") && shared.containsKey(property.get("name"))) {
          continue;
        }
        String name = (String) property.get("name");
        Object defaultValue = property.get("defaultValue");
        out.append("| `")
            .append(name)
            .append("` | `")
            .append(envOverrides.getOrDefault(name, relaxedEnvName(name)))
            .append("` | ")
            .append(defaultValue == null ? "—" : "`" + text(defaultValue) + "`")
            .append(" | ")
            .append(text(property.getOrDefault("description", "")))
            .append(" |\n");
      }
    }
    return out.append("\n").toString();
  }

  @Test
  void every_setting_says_what_it_means() throws IOException {
    List<String> unexplained = new ArrayList<>();
    Map<String, Map<String, Object>> shared = metadata("shared-ops");
    for (String module : MODULES.keySet()) {
      for (Map<String, Object> property : metadata(module).values()) {
        // A record nested from shared-ops is described there (the processor reads only sources).
        Map<String, Object> described = shared.getOrDefault(property.get("name"), property);
        if (String.valueOf(described.getOrDefault("description", "")).isBlank()) {
          unexplained.add(module + ": " + property.get("name"));
        }
      }
    }
    assertThat(unexplained).as("settings whose record has no @param for them").isEmpty();
  }

  /** A module's nanogen.* properties from its records, by name. */
  private static Map<String, Map<String, Object>> metadata(String module) throws IOException {
    Path json =
        ROOT.resolve(module + "/target/classes/META-INF/spring-configuration-metadata.json");
    List<Map<String, Object>> properties = JsonPath.read(Files.readString(json), "$.properties");
    Map<String, Map<String, Object>> byName = new TreeMap<>();
    for (Map<String, Object> property : properties) {
      String name = (String) property.get("name");
      if (name.startsWith("nanogen.")
          && String.valueOf(property.get("sourceType")).startsWith("dev.nanogen.")) {
        byName.put(name, property);
      }
    }
    return byName;
  }

  /** Settings a yml file binds to a variable of another name (the contract's names). */
  private static Map<String, String> envNamesFromYml() throws IOException {
    Map<String, String> names = new TreeMap<>();
    for (String module : List.of("api-gateway", "generation-worker", "notifier")) {
      Path yml = ROOT.resolve(module + "/src/main/resources/application.yml");
      for (Object doc : new Yaml().loadAll(Files.readString(yml))) {
        for (Map.Entry<String, Object> setting : flatten("", doc).entrySet()) {
          Matcher env = ENV_PLACEHOLDER.matcher(String.valueOf(setting.getValue()));
          if (setting.getKey().startsWith("nanogen.") && env.matches()) {
            names.put(setting.getKey(), env.group(1));
          }
        }
      }
    }
    return names;
  }

  /**
   * The variable Spring's relaxed binding reads for a setting: upper case, {@code .-} as {@code _}.
   */
  static String relaxedEnvName(String name) {
    return name.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static String text(Object value) {
    return String.valueOf(value)
        .replaceAll("\\{@(?:code|link) ([^}]*)}", "`$1`")
        .replaceAll("\\s+", " ")
        .replace("|", "\\|")
        .trim();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> flatten(String prefix, Object node) {
    Map<String, Object> flat = new TreeMap<>();
    if (node instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        String key =
            prefix.isEmpty() ? String.valueOf(entry.getKey()) : prefix + "." + entry.getKey();
        flat.putAll(flatten(key, entry.getValue()));
      }
    } else if (!prefix.isEmpty()) {
      flat.put(prefix, node);
    }
    return flat;
  }
}
