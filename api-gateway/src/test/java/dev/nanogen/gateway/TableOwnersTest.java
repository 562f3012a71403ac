package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.testkit.CodeShape;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Each table has one owning package: only its classes have SQL naming the table; every other
 * package calls the owner. Read from the sources: the SQL in string literals and text blocks, the
 * tables from the migrations. The places that still reach into another package's table are listed
 * here by name, so the list can only shrink: a new one fails the test, and so does one that was
 * fixed but is still listed.
 */
class TableOwnersTest {
  /** Table → the package that owns it (users: auth; its balance columns: the ledger's). */
  private static final Map<String, Set<String>> OWNERS =
      Map.ofEntries(
          Map.entry("admin_audit", Set.of("admin")),
          Map.entry("credit_packs", Set.of("payments")),
          Map.entry("payments", Set.of("payments")),
          Map.entry("payment_anomalies", Set.of("payments")),
          Map.entry("event_tokens", Set.of("auth")),
          Map.entry("users", Set.of("auth", "ledger")),
          Map.entry("generations", Set.of("generation")),
          Map.entry("generation_status_history", Set.of("generation")),
          Map.entry("idempotency_keys", Set.of("idempotency")),
          Map.entry("ledger", Set.of("ledger")),
          Map.entry("models", Set.of("catalog")),
          Map.entry("outbox", Set.of("outbox")),
          Map.entry("outbox_pending", Set.of("outbox")),
          Map.entry("processed_events", Set.of("settlement")),
          Map.entry("telegram_updates", Set.of("telegram")),
          Map.entry("user_events", Set.of("events")),
          Map.entry("worker_leases", Set.of("recovery")),
          Map.entry("shedlock", Set.of()));

  /** Class (package.Class) → table: reaches into another package's table, still to be moved. */
  private static final Set<String> NOT_YET =
      Set.of(
          "admin.Reconcile → generations",
          "admin.Reconcile → ledger",
          "admin.Reconcile → payments",
          "admin.Reconcile → users",
          "generation.Announcements → models",
          "generation.Announcements → users",
          "generation.Dispatch → models",
          "generation.GenerationTransitions → users",
          "payments.Payments → users");

  @Test
  void every_table_has_an_owner_and_only_listed_classes_reach_into_another_packages_table() {
    assertThat(OWNERS.keySet())
        .as("tables with an owner")
        .isEqualTo(CodeShape.tables(Path.of("src/main/resources/db/migration")));
    assertThat(CodeShape.reachingAcross(Path.of("src/main/java/dev/nanogen/gateway"), OWNERS))
        .as("classes with SQL on a table another package owns (call its owner instead)")
        .isEqualTo(new TreeSet<>(NOT_YET));
  }
}
