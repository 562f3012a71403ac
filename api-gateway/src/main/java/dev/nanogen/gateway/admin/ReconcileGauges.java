package dev.nanogen.gateway.admin;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
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
  private final AtomicLong users = new AtomicLong();
  private final AtomicLong holds = new AtomicLong();
  private final AtomicLong payments = new AtomicLong();

  ReconcileGauges(Reconcile reconcile, MeterRegistry registry) {
    this.reconcile = reconcile;
    Gauge.builder("nanogen.reconcile.users.out.of.balance", users, AtomicLong::get)
        .description("users whose balance the ledger does not explain, at the last money check")
        .register(registry);
    Gauge.builder("nanogen.reconcile.holds.on.ended", holds, AtomicLong::get)
        .description(
            "ended generations whose hold is not settled exactly once, at the last money check")
        .register(registry);
    Gauge.builder("nanogen.reconcile.payments.out.of.balance", payments, AtomicLong::get)
        .description(
            "payments whose ledger rows disagree with their status, at the last money check")
        .register(registry);
  }

  @Scheduled(
      fixedDelayString = "${nanogen.reconcile.interval:10m}",
      initialDelayString = "${nanogen.reconcile.initial-delay:1m}")
  void check() {
    try {
      Reconcile.Report report = reconcile.run();
      users.set(report.usersOutOfBalance().size());
      holds.set(report.holdsOnTerminalGenerations().size());
      payments.set(report.paymentsOutOfBalance().size());
      if (!report.clean()) {
        log.error(
            "money check: {} users, {} holds, {} payments out of balance",
            users.get(),
            holds.get(),
            payments.get());
      }
    } catch (RuntimeException e) {
      log.warn("money check failed: {}", e.toString());
    }
  }
}
