package dev.nanogen.gateway.payments;

import dev.nanogen.gateway.auth.CurrentUser;
import dev.nanogen.gateway.auth.Users;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.LimitExceeded;
import dev.nanogen.gateway.error.LockTimeout;
import dev.nanogen.gateway.error.ValidationFailed;
import dev.nanogen.gateway.idempotency.Answer;
import dev.nanogen.gateway.idempotency.IdempotencyKeys;
import dev.nanogen.ops.telegram.BotApi;
import dev.nanogen.ops.telegram.TelegramError;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.annotation.Nullable;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * POST /api/payments/invoice: an invoice link for a pack, and the payment row it names. The link is
 * made first (createInvoiceLink, outside any transaction) for a fresh payment id and a random
 * payload; then ONE transaction, under the user's row lock, replays a used Idempotency-Key or
 * inserts the payment with the link and stores the key. A link whose transaction lost (a replay, a
 * crash) names a payload no row has: its pre-checkout is refused, so it can never be paid. A user
 * holds at most {@code nanogen.payments.unpaid-invoices} invoices still payable (made within
 * NANOGEN_INVOICE_TTL and unpaid); one more is 429, checked before the link is made and again under
 * the lock.
 */
@Component
class CreateInvoice {
  private static final Logger log = LoggerFactory.getLogger(CreateInvoice.class);
  static final String SCOPE = "invoice";
  static final String CURRENCY = "XTR";
  private static final SecureRandom RANDOM = new SecureRandom();

  @Schema(name = "InvoiceRequest")
  record Request(String packId, @Nullable String idempotencyKey) {}

  @Schema(name = "Invoice")
  record Response(UUID paymentId, String invoiceLink) {}

  private final CreditPacks packs;
  private final Payments payments;
  private final IdempotencyKeys keys;
  private final BotApi telegram;
  private final Users users;
  private final TransactionTemplate tx;
  private final JsonMapper json;
  private final Clock clock;
  private final PaymentMetrics metrics;
  private final PaymentsProperties settings;

  CreateInvoice(
      CreditPacks packs,
      Payments payments,
      IdempotencyKeys keys,
      BotApi telegram,
      Users users,
      TransactionTemplate tx,
      JsonMapper json,
      Clock clock,
      PaymentMetrics metrics,
      PaymentsProperties settings) {
    this.settings = settings;
    this.packs = packs;
    this.payments = payments;
    this.keys = keys;
    this.telegram = telegram;
    this.users = users;
    this.tx = tx;
    this.json = json;
    this.clock = clock;
    this.metrics = metrics;
  }

  Answer create(CurrentUser user, Request request, String header) {
    String key = IdempotencyKeys.effectiveKey(header, request.idempotencyKey());
    if (request.packId() == null || request.packId().isBlank()) {
      throw ValidationFailed.of("pack_id", "is required");
    }
    String fingerprint = key == null ? null : keys.fingerprint(Map.of("pack_id", request.packId()));
    if (key != null) {
      // A replay makes no second link; the check under the lock below decides a concurrent
      // duplicate.
      Optional<IdempotencyKeys.Stored> stored = keys.replay(user.id(), SCOPE, key, fingerprint);
      if (stored.isPresent()) {
        return Answer.replay(stored.get());
      }
    }
    CreditPacks.Pack pack = packs.forSale(request.packId());
    checkUnpaid(user.id()); // before the Bot API call: a user over the cap costs no link
    UUID id = UUID.randomUUID();
    String payload = payload();
    String link = invoiceLink(pack, payload);
    try {
      return tx.execute(
          status -> {
            users.lock(user.id());
            if (key != null) {
              Optional<IdempotencyKeys.Stored> stored =
                  keys.replay(user.id(), SCOPE, key, fingerprint);
              if (stored.isPresent()) {
                return Answer.replay(stored.get());
              }
            }
            checkUnpaid(user.id()); // exact: under the user's lock
            Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
            payments.insert(id, user.id(), pack, payload, link, now);
            String body = json.writeValueAsString(new Response(id, link));
            if (key != null) {
              keys.save(user.id(), SCOPE, key, fingerprint, 200, body);
            }
            metrics.invoiced(pack.id());
            log.info(
                "payment {} created: pack {}, {} credits for {} stars",
                id,
                pack.id(),
                pack.credits(),
                pack.stars());
            return Answer.first(200, body);
          });
    } catch (DataAccessException e) {
      if (!LockTimeout.is(e)) {
        throw e;
      }
      throw new AppError(
          key != null ? ErrorCode.IDEMPOTENCY_KEY_IN_USE : ErrorCode.SERVICE_UNAVAILABLE,
          "the account is busy; try again");
    }
  }

  /**
   * Refuses (429) a user who holds {@code unpaid-invoices} invoices still payable; Retry-After is
   * when the oldest of them expires.
   */
  private void checkUnpaid(long userId) {
    Instant now = clock.instant();
    List<Instant> unpaid = payments.unpaidSince(userId, now.minus(settings.invoiceTtl()));
    if (unpaid.size() >= settings.unpaidInvoices()) {
      Instant frees =
          unpaid.get(unpaid.size() - settings.unpaidInvoices()).plus(settings.invoiceTtl());
      throw new LimitExceeded(
          ErrorCode.RATE_LIMIT_EXCEEDED,
          settings.unpaidInvoices(),
          java.time.Duration.between(now, frees).toSeconds() + 1);
    }
  }

  /**
   * createInvoiceLink: one price in Stars (currency XTR, no provider token), the payload opaque.
   */
  private String invoiceLink(CreditPacks.Pack pack, String payload) {
    try {
      return telegram
          .call(
              "createInvoiceLink",
              Map.of(
                  "title",
                  pack.title(),
                  "description",
                  pack.credits() + " NanoGen credits",
                  "payload",
                  payload,
                  "currency",
                  CURRENCY,
                  "prices",
                  List.of(Map.of("label", pack.title(), "amount", pack.stars()))))
          .asString();
    } catch (TelegramError e) {
      log.warn("createInvoiceLink for pack {} failed: {}", pack.id(), e.getMessage());
      throw new AppError(
          ErrorCode.SERVICE_UNAVAILABLE, "Telegram did not make the invoice; try again");
    }
  }

  /** 32 random bytes, URL-safe: the whole of what the invoice tells about the payment. */
  private static String payload() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
