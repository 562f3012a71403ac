package dev.nanogen.gateway.telegram;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.ValidationFailed;
import dev.nanogen.gateway.payments.PaymentUpdates;
import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * POST /telegram/webhook: the bot's updates. Nothing is read before the secret token is checked
 * (constant time; 401 and nothing done without it). Then:
 *
 * <ul>
 *   <li>pre_checkout_query — answered at once (Telegram cancels the purchase after 10 s);
 *   <li>message.successful_payment, message.refunded_payment — applied in one transaction with the
 *       update's id, so a repeated update does nothing;
 *   <li>a command in a private chat — answered in this reply (a sendMessage), once per update id;
 *   <li>a photo (or an image sent as a file) in a private chat — kept as the sender's upload and
 *       answered with buttons to use it ({@link BotPhotos}), once per update id;
 *   <li>callback_query of an edit button — the edit started once, answered with an
 *       answerCallbackQuery;
 *   <li>anything else — 200 and ignored.
 * </ul>
 *
 * A failure (the database down) answers 5xx: Telegram repeats the update later.
 */
@Tag(name = "Telegram")
@RestController
@Hidden
class TelegramWebhook {
  private static final Logger log = LoggerFactory.getLogger(TelegramWebhook.class);
  static final String SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";

  private final byte[] secret;
  private final PaymentUpdates payments;
  private final BotCommands commands;
  private final BotPhotos photos;
  private final TelegramUpdates updates;
  private final TransactionTemplate tx;
  private final JsonMapper json;

  TelegramWebhook(
      NanogenProperties properties,
      PaymentUpdates payments,
      BotCommands commands,
      BotPhotos photos,
      TelegramUpdates updates,
      TransactionTemplate tx,
      JsonMapper json) {
    String configured = properties.telegram().webhookSecret();
    this.secret = configured == null ? null : configured.getBytes(StandardCharsets.UTF_8);
    this.payments = payments;
    this.commands = commands;
    this.photos = photos;
    this.updates = updates;
    this.tx = tx;
    this.json = json;
  }

  @Operation(operationId = "receiveTelegramUpdate")
  @PostMapping("/telegram/webhook")
  ResponseEntity<Object> update(
      @RequestHeader(name = SECRET_HEADER, required = false) String token,
      @RequestBody(required = false) byte[] body) {
    if (secret == null
        || token == null
        || !MessageDigest.isEqual(secret, token.getBytes(StandardCharsets.UTF_8))) {
      throw new AppError(ErrorCode.WEBHOOK_AUTH_REQUIRED, "no or a wrong " + SECRET_HEADER);
    }
    JsonNode update = parse(body);
    long updateId = update.path("update_id").asLong(0);
    if (!update.path("update_id").isIntegralNumber() || updateId <= 0) {
      throw ValidationFailed.of("update_id", "is required, a positive integer");
    }
    JsonNode query = update.path("pre_checkout_query");
    if (query.isObject()) {
      payments.checkout(
          new PaymentUpdates.Checkout(
              query.path("id").asString(""), query.path("from").path("id").asLong(0),
              query.path("from").path("language_code").asString(null),
                  query.path("currency").asString(null),
              query.path("total_amount").asLong(-1), query.path("invoice_payload").asString(null)));
      return ok();
    }
    JsonNode callback = update.path("callback_query");
    if (callback.isObject()) {
      return reply(photos.callback(callback));
    }
    JsonNode message = update.path("message");
    if (!message.isObject()) {
      return ok();
    }
    long from = message.path("from").path("id").asLong(0);
    if (message.path("successful_payment").isObject()) {
      PaymentUpdates.Charge charge = charge(from, message.path("successful_payment"));
      tx.executeWithoutResult(
          status -> {
            if (updates.firstTime(updateId, "successful_payment")) {
              payments.received(charge);
            }
          });
      return ok();
    }
    if (message.path("refunded_payment").isObject()) {
      PaymentUpdates.Charge charge = charge(from, message.path("refunded_payment"));
      tx.executeWithoutResult(
          status -> {
            if (updates.firstTime(updateId, "refunded_payment")) {
              payments.refundedElsewhere(charge);
            }
          });
      return ok();
    }
    String text = message.path("text").asString("");
    boolean privateChat = "private".equals(message.path("chat").path("type").asString(""));
    var image = BotPhotos.image(message);
    if (privateChat && from > 0 && image.isPresent()) {
      return reply(photos.photo(updateId, message, image.get()));
    }
    if (privateChat && text.startsWith("/") && from > 0) {
      Boolean first = tx.execute(status -> updates.firstTime(updateId, "command"));
      if (Boolean.TRUE.equals(first)) {
        return ResponseEntity.ok()
            .contentType(MediaType.APPLICATION_JSON)
            .body(
                commands.answer(
                    message.path("chat").path("id").asLong(),
                    from,
                    message.path("from").path("language_code").asString(null),
                    text));
      }
    }
    return ok();
  }

  private static PaymentUpdates.Charge charge(long from, JsonNode payment) {
    String chargeId = payment.path("telegram_payment_charge_id").asString("");
    if (chargeId.isEmpty() || from <= 0) {
      throw ValidationFailed.of(
          "message", "a payment without telegram_payment_charge_id or sender");
    }
    return new PaymentUpdates.Charge(
        from,
        payment.path("currency").asString(null),
        payment.path("total_amount").asLong(-1),
        payment.path("invoice_payload").asString(null),
        chargeId);
  }

  private JsonNode parse(byte[] body) {
    try {
      JsonNode node = body == null ? null : json.readTree(body);
      if (node == null || !node.isObject()) {
        throw ValidationFailed.of("update", "must be a JSON object");
      }
      return node;
    } catch (JacksonException e) {
      log.warn("webhook body is not JSON: {}", e.getOriginalMessage());
      throw ValidationFailed.of("update", "must be a JSON object");
    }
  }

  /** The webhook's reply carrying a Bot API method call, or an empty 200 without one. */
  private static ResponseEntity<Object> reply(Map<String, Object> method) {
    return method == null
        ? ok()
        : ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(method);
  }

  private static ResponseEntity<Object> ok() {
    return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(Map.of());
  }
}
