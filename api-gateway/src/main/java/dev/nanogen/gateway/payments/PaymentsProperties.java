package dev.nanogen.gateway.payments;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param invoiceTtl how long an invoice link can be paid ({@code NANOGEN_INVOICE_TTL}); its
 *     pre-checkout is refused after that
 * @param unpaidInvoices invoices a user may hold unpaid and unexpired at once; one more answers 429
 * @param keepExpired how long an expired unpaid invoice's row is kept before it is purged (a
 *     payment Telegram reports late still finds its row meanwhile)
 */
@ConfigurationProperties("nanogen.payments")
record PaymentsProperties(
    @DefaultValue("1h") Duration invoiceTtl,
    @DefaultValue("5") int unpaidInvoices,
    @DefaultValue("1d") Duration keepExpired) {

  public PaymentsProperties {
    if (!invoiceTtl.isPositive() || unpaidInvoices < 1 || keepExpired.isNegative()) {
      throw new IllegalArgumentException(
          "NANOGEN_INVOICE_TTL must be positive and nanogen.payments.unpaid-invoices at least 1");
    }
  }
}
