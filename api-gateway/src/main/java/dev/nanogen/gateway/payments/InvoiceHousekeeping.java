package dev.nanogen.gateway.payments;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.ops.SingletonJobs;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes invoices never paid once they are past NANOGEN_INVOICE_TTL and {@code
 * nanogen.payments.keep-expired} more (a successful_payment that Telegram reports that late finds
 * no row and is refunded as an unknown payload, never credited). In batches, once per interval over
 * all replicas.
 */
@Component
public class InvoiceHousekeeping {
  private static final Logger log = LoggerFactory.getLogger(InvoiceHousekeeping.class);
  static final int BATCH = 1000;

  private final SingletonJobs singletons;
  private final Payments payments;
  private final PaymentsProperties settings;
  private final Clock clock;

  InvoiceHousekeeping(
      SingletonJobs singletons, Payments payments, PaymentsProperties settings, Clock clock) {
    this.singletons = singletons;
    this.payments = payments;
    this.settings = settings;
    this.clock = clock;
  }

  @Scheduled(
      fixedDelayString = "#{" + NanogenProperties.SETTINGS + ".housekeeping().interval()}",
      initialDelayString = "PT1M")
  void scheduledPurge() {
    singletons.run("gateway-invoice-purge", Duration.ofMinutes(1), this::purge);
  }

  /** Answers how many invoices it deleted. */
  public int purge() {
    var before = clock.instant().minus(settings.invoiceTtl()).minus(settings.keepExpired());
    int total = 0;
    int deleted;
    do {
      deleted = payments.purgeUnpaid(before, BATCH);
      total += deleted;
    } while (deleted == BATCH);
    if (total > 0) {
      log.info("purged {} invoices never paid, made before {}", total, before);
    }
    return total;
  }
}
