package dev.nanogen.gateway;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.testkit.CodeShape;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The gateway's packages, read from its compiled classes: the graph as drawn in
 * docs/architecture.md, without a cycle, and no type public that no other package uses.
 */
class PackageGraphTest {
  private static final String ROOT = "dev.nanogen.gateway";

  @Test
  void the_packages_depend_on_each_other_as_drawn_and_without_a_cycle() {
    CodeShape.assertPackagesAcyclic(ROOT);
    assertThat(CodeShape.packageGraph(ROOT))
        .isEqualTo(
            Map.ofEntries(
                entry("", Set.of()),
                entry("account", Set.of("auth", "config", "error", "ledger", "limits", "web")),
                entry(
                    "admin",
                    Set.of(
                        "auth",
                        "config",
                        "error",
                        "generation",
                        "idempotency",
                        "ledger",
                        "limits",
                        "outbox",
                        "web")),
                entry("apidocs", Set.of("auth", "error")),
                entry(
                    "auth", Set.of("config", "error", "events", "i18n", "ledger", "limits", "web")),
                entry("catalog", Set.of("error", "tx")),
                entry("config", Set.of("error")),
                entry("error", Set.of("i18n")),
                entry("events", Set.of("tx")),
                entry("files", Set.of("error", "web")),
                entry(
                    "generation",
                    Set.of(
                        "auth",
                        "catalog",
                        "config",
                        "error",
                        "events",
                        "files",
                        "idempotency",
                        "ledger",
                        "limits",
                        "outbox",
                        "tx",
                        "uploads",
                        "web")),
                entry("i18n", Set.of()),
                entry("idempotency", Set.of("error", "tx")),
                entry("ledger", Set.of("events", "tx")),
                entry("limits", Set.of("config", "error")),
                entry("outbox", Set.of("config", "tx")),
                entry(
                    "payments",
                    Set.of(
                        "admin",
                        "auth",
                        "error",
                        "i18n",
                        "idempotency",
                        "ledger",
                        "outbox",
                        "tx",
                        "web")),
                entry("recovery", Set.of("config", "generation", "outbox")),
                entry("settlement", Set.of("config", "generation", "recovery")),
                entry("sse", Set.of("account", "auth", "error", "events", "generation", "web")),
                entry(
                    "telegram",
                    Set.of(
                        "auth",
                        "catalog",
                        "config",
                        "error",
                        "generation",
                        "i18n",
                        "idempotency",
                        "ledger",
                        "payments",
                        "uploads")),
                entry("uploads", Set.of("auth", "config", "error", "files", "tx", "web")),
                entry("tx", Set.of()),
                entry("web", Set.of("config", "error"))));
  }

  @Test
  void a_type_is_public_only_when_another_package_uses_it() {
    // PaymentsTest drives these two from the test root: the reconciliation and the invoices' purge.
    assertThat(CodeShape.publicWithoutReason(ROOT))
        .containsExactly("admin.Reconcile", "payments.InvoiceHousekeeping");
  }
}
