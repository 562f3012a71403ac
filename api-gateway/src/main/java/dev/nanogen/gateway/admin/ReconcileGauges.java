package dev.nanogen.gateway.admin;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.ops.SingletonJobs;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Runs the money check on a schedule ({@code nanogen.reconcile.interval}, 10 min) so that drift
 * reaches an alert, not only an admin who asks: {@code nanogen.reconcile.users.out.of.balance},
 * {@code nanogen.reconcile.holds.on.ended}, {@code nanogen.reconcile.payments.out.of.balance} — all
 * zero on a healthy system (database-wide: every replica reports the same).
 */
@Component
class ReconcileGauges {
  private static final Logger log = LoggerFactory.getLogger(ReconcileGauges.class);

  private final Reconcile reconcile;
  private final SingletonJobs singletons;
  private final Duration atLeast;
  private volatile Reconcile.Report last;

  ReconcileGauges(
      Reconcile reconcile,
      SingletonJobs singletons,
      NanogenProperties properties,
      MeterRegistry registry) {
    this.reconcile = reconcile;
    this.singletons = singletons;
    this.atLeast = properties.reconcile().interval().multipliedBy(9).dividedBy(10);
    Gauge.builder(
            "nanogen.reconcile.users.out.of.balance",
            this,
            g -> g.count(Reconcile.Report::usersOutOfBalance))
        .description("users whose balance the ledger does not explain, at the last money check")
        .register(registry);
    Gauge.builder(
            "nanogen.reconcile.holds.on.ended",
            this,
            g -> g.count(Reconcile.Report::holdsOnTerminalGenerations))
        .description(
            "ended generations whose hold is not settled exactly once, at the last money check")
        .register(registry);
    Gauge.builder(
            "nanogen.reconcile.payments.out.of.balance",
            this,
            g -> g.count(Reconcile.Report::paymentsOutOfBalance))
        .description(
            "payments whose ledger rows disagree with their status, at the last money check")
        .register(registry);
  }

  /**
   * What the last check on this replica found; NaN when another replica ran this interval's check
   * (Prometheus' max over replicas then reads the one that did).
   */
  private double count(java.util.function.Function<Reconcile.Report, java.util.List<?>> of) {
    Reconcile.Report report = last;
    return report == null ? Double.NaN : of.apply(report).size();
  }

  /** The money check, once per interval over all replicas (the whole ledger each time). */
  @Scheduled(
      fixedDelayString = "#{" + NanogenProperties.SETTINGS + ".reconcile().interval()}",
      initialDelayString = "#{" + NanogenProperties.SETTINGS + ".reconcile().initialDelay()}")
  void check() {
    try {
      if (!singletons.run("gateway-reconcile", atLeast, this::checkNow)) {
        last = null;
      }
    } catch (RuntimeException e) {
      log.warn("money check failed: {}", e.toString());
    }
  }

  private void checkNow() {
    Reconcile.Report report = reconcile.run();
    last = report;
    if (!report.clean()) {
      log.error(
          "money check: {} users, {} holds, {} payments out of balance",
          report.usersOutOfBalance().size(),
          report.holdsOnTerminalGenerations().size(),
          report.paymentsOutOfBalance().size());
    }
  }
}
