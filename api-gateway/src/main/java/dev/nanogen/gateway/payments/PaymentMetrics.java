package dev.nanogen.gateway.payments;

import dev.nanogen.gateway.tx.AfterCommit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The payment metrics, counted once the transaction that did the work commits:
 *
 * <ul>
 *   <li>{@code nanogen.payments.invoices{pack}} — invoices made;
 *   <li>{@code nanogen.payments.paid{pack}} and {@code nanogen.payments.stars{pack}} — payments
 *       received and the Stars they brought;
 *   <li>{@code nanogen.payments.refunded{source}} — admin (POST …/refund) or telegram (refunded
 *       elsewhere), with {@code nanogen.payments.stars.refunded{source}};
 *   <li>{@code nanogen.payments.checkouts{answer}} — pre-checkout queries answered ok or refused;
 *   <li>{@code nanogen.payments.anomalies{reason}} — Stars received that no invoice could take
 *       (refunded at once; any is worth a look).
 * </ul>
 */
@Component
class PaymentMetrics {
  private final MeterRegistry meters;

  PaymentMetrics(MeterRegistry meters) {
    this.meters = meters;
    // Registered at zero, so that a rule on them sees 0 rather than nothing before the first one.
    for (String source : List.of("admin", "telegram")) {
      count("nanogen.payments.refunded", "source", source, 0);
      count("nanogen.payments.stars.refunded", "source", source, 0);
    }
    for (String reason : ANOMALIES) {
      count("nanogen.payments.anomalies", "reason", reason, 0);
    }
  }

  /** Why Stars were taken by no invoice. */
  static final List<String> ANOMALIES = List.of("unknown_payload", "paid_twice", "other_terms");

  void invoiced(String packId) {
    AfterCommit.run(() -> count("nanogen.payments.invoices", "pack", packId, 1));
  }

  void paid(String packId, long stars) {
    AfterCommit.run(
        () -> {
          count("nanogen.payments.paid", "pack", packId, 1);
          count("nanogen.payments.stars", "pack", packId, stars);
        });
  }

  void refunded(String source, long stars) {
    AfterCommit.run(
        () -> {
          count("nanogen.payments.refunded", "source", source, 1);
          count("nanogen.payments.stars.refunded", "source", source, stars);
        });
  }

  void checkout(boolean ok) {
    count("nanogen.payments.checkouts", "answer", ok ? "ok" : "refused", 1);
  }

  void anomaly(String reason) {
    count("nanogen.payments.anomalies", "reason", reason, 1);
  }

  private void count(String name, String tag, String value, long amount) {
    Counter.builder(name).tag(tag, value).register(meters).increment(amount);
  }
}
