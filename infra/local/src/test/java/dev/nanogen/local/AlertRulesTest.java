package dev.nanogen.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * infra/prometheus: promtool accepts the rules; every alerting rule is complete (name, expression,
 * severity, summary) and its runbook is a heading of docs/operations.md; the Alertmanager
 * configuration sends to Telegram with Alertmanager's own receiver. (The metrics the rules name are
 * checked against what the services export by the end-to-end test.)
 */
class AlertRulesTest {
  static final Path RULES = Path.of("../prometheus/nanogen-alerts.yml");
  private static final Path ALERTMANAGER = Path.of("../prometheus/alertmanager.yml");
  private static final Path OPERATIONS = Path.of("../../docs/operations.md");

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rules() throws IOException {
    Map<String, Object> document = new Yaml().load(Files.readString(RULES));
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) document.get("groups")) {
      rules.addAll((List<Map<String, Object>>) group.get("rules"));
    }
    return rules;
  }

  /** The metric names a rule file's expressions use. */
  static Set<String> metrics() throws IOException {
    Set<String> names = new TreeSet<>();
    for (Map<String, Object> rule : rules()) {
      Matcher m =
          Pattern.compile("\\b(?:nanogen|resilience4j|kafka|http)_[a-z0-9_]+")
              .matcher(String.valueOf(rule.get("expr")));
      while (m.find()) {
        names.add(m.group());
      }
    }
    return names;
  }

  @Test
  @SuppressWarnings("unchecked")
  void every_rule_is_complete_and_its_runbook_is_in_the_operations_page() throws IOException {
    String operations = Files.readString(OPERATIONS);
    Set<String> anchors = new TreeSet<>();
    Matcher heading = Pattern.compile("(?m)^#{2,4} (.+)$").matcher(operations);
    while (heading.find()) {
      anchors.add(
          heading
              .group(1)
              .strip()
              .toLowerCase(Locale.ROOT)
              .replaceAll("[^a-z0-9 -]", "")
              .replace(' ', '-'));
    }
    List<Map<String, Object>> rules = rules();
    assertThat(rules).hasSizeGreaterThanOrEqualTo(10);
    for (Map<String, Object> rule : rules) {
      String name = String.valueOf(rule.get("alert"));
      assertThat(name).startsWith("NanoGen");
      assertThat(String.valueOf(rule.get("expr"))).as(name).isNotBlank();
      assertThat(((Map<String, Object>) rule.get("labels")).get("severity"))
          .as(name)
          .isIn("critical", "warning");
      Map<String, Object> annotations = (Map<String, Object>) rule.get("annotations");
      assertThat(String.valueOf(annotations.get("summary"))).as(name).isNotBlank();
      String runbook = String.valueOf(annotations.get("runbook"));
      assertThat(runbook).as(name).startsWith("docs/operations.md#");
      assertThat(anchors)
          .as(name + "'s runbook heading")
          .contains(runbook.substring(runbook.indexOf('#') + 1));
    }
    assertThat(metrics())
        .contains(
            "nanogen_reconcile_users_out_of_balance",
            "nanogen_outbox_parked",
            "nanogen_generations_oldest_open_age_seconds",
            "resilience4j_circuitbreaker_state",
            "nanogen_notifier_deliveries");
  }

  @Test
  void promtool_accepts_every_rule() throws Exception {
    Path promtool = promtool();
    Process check =
        new ProcessBuilder(promtool.toString(), "check", "rules", RULES.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(check.getInputStream().readAllBytes());
    assertThat(check.waitFor()).as(output).isZero();
    assertThat(output).contains("SUCCESS: " + rules().size() + " rules found");
  }

  /** promtool on the PATH, or where infra/bin/test unpacks it. */
  private static Path promtool() {
    for (String dir : (System.getenv("PATH") + ":../../.nanogen/tools").split(":")) {
      Path candidate = Path.of(dir, "promtool");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError("promtool not found: infra/bin/test fetches it into .nanogen/tools");
  }

  @Test
  @SuppressWarnings("unchecked")
  void alertmanager_sends_every_alert_to_the_admins_telegram_chat() throws IOException {
    Map<String, Object> config = new Yaml().load(Files.readString(ALERTMANAGER));
    String receiver = String.valueOf(((Map<String, Object>) config.get("route")).get("receiver"));
    Map<String, Object> admins =
        ((List<Map<String, Object>>) config.get("receivers"))
            .stream().filter(r -> receiver.equals(r.get("name"))).findFirst().orElseThrow();
    Map<String, Object> telegram =
        ((List<Map<String, Object>>) admins.get("telegram_configs")).getFirst();
    assertThat(telegram).containsKeys("bot_token_file", "chat_id").doesNotContainKey("bot_token");
    assertThat(telegram.get("chat_id")).isInstanceOf(Number.class);
    assertThat(telegram.get("send_resolved")).isEqualTo(true);
  }
}
