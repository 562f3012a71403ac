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
 * tables from the migrations. The few statements that read another package's table in a join are
 * listed by name with their reason, so a new one fails the test, and so does one that is gone but
 * still listed; no statement outside the owner writes a table.
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
          Map.entry("uploads", Set.of("uploads")),
          Map.entry("user_events", Set.of("events")),
          Map.entry("worker_leases", Set.of("recovery")),
          Map.entry("shedlock", Set.of()));

  /**
   * Class (package.Class) → table: statements that read a column of another package's table in the
   * same round trip as their own work, each for a reason; none writes or locks it (checked below).
   */
  private static final Map<String, String> READ_JOINS =
      Map.ofEntries(
          // The money check compares every money table in one snapshot; split, it would compare
          // rows from different moments and report differences that are not there.
          Map.entry("admin.Reconcile → generations", "one snapshot"),
          Map.entry("admin.Reconcile → ledger", "one snapshot"),
          Map.entry("admin.Reconcile → payments", "one snapshot"),
          Map.entry("admin.Reconcile → users", "one snapshot"),
          // A generation's end and its announcements return the user's language and the model's
          // name for the notice in the statement that ends it (RETURNING): no second round trip
          // on the settlement path.
          Map.entry("generation.GenerationTransitions → users", "the notice's language"),
          Map.entry("generation.Announcements → users", "the notice's language"),
          Map.entry("generation.Announcements → models", "the notice's model name"),
          // A dispatch writes the request event with the model's kind and provider id, read in
          // the UPDATE that dispatches it.
          Map.entry("generation.Dispatch → models", "the request's model"),
          // A payment's views carry the buyer's language and ban, read with the row.
          Map.entry("payments.Payments → users", "the buyer's language and ban"),
          Map.entry(
              "uploads.Uploads → generations",
              "whether a running generation still needs an upload's bytes, in the statement that"
                  + " picks the bytes to delete"));

  @Test
  void every_table_has_an_owner_and_only_listed_classes_reach_into_another_packages_table() {
    assertThat(OWNERS.keySet())
        .as("tables with an owner")
        .isEqualTo(CodeShape.tables(Path.of("src/main/resources/db/migration")));
    assertThat(CodeShape.reachingAcross(Path.of("src/main/java/dev/nanogen/gateway"), OWNERS))
        .as("classes with SQL on a table another package owns (call its owner instead)")
        .isEqualTo(new TreeSet<>(READ_JOINS.keySet()));
    assertThat(CodeShape.writingAcross(Path.of("src/main/java/dev/nanogen/gateway"), OWNERS))
        .as("classes that write another package's table (only its owner writes it)")
        .isEmpty();
  }
}
