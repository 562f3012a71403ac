package dev.nanogen.gateway.payments;

import dev.nanogen.gateway.auth.CurrentUser;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.Problems;
import dev.nanogen.gateway.web.Cursor;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Buying credits: the packs on sale, an invoice for one, and the caller's payments. */
@Tag(name = "Payments")
@RestController
class PaymentsController {
  private final CreditPacks packs;
  private final CreateInvoice invoices;
  private final Payments payments;

  PaymentsController(CreditPacks packs, CreateInvoice invoices, Payments payments) {
    this.packs = packs;
    this.invoices = invoices;
    this.payments = payments;
  }

  @Schema(name = "CreditPack")
  record PackView(String id, String title, long credits, long stars) {}

  @Schema(name = "CreditPacks")
  record Packs(List<PackView> items) {}

  @Operation(operationId = "listCreditPacks")
  @GetMapping("/api/credit-packs")
  Packs packs(CurrentUser user) {
    return new Packs(
        packs.onSale().stream()
            .map(p -> new PackView(p.id(), p.title(), p.credits(), p.stars()))
            .toList());
  }

  @Problems({
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.PAYLOAD_TOO_LARGE,
    ErrorCode.PACK_NOT_FOUND,
    ErrorCode.IDEMPOTENCY_KEY_IN_USE,
    ErrorCode.IDEMPOTENCY_KEY_REUSED
  })
  @ApiResponse(
      responseCode = "200",
      description = "the payment and its invoice link",
      content =
          @Content(
              mediaType = "application/json",
              schema = @Schema(implementation = CreateInvoice.Response.class)))
  @PostMapping(path = "/api/payments/invoice", consumes = MediaType.APPLICATION_JSON_VALUE)
  @Operation(
      operationId = "createInvoice",
      summary = "Make an invoice for a credit pack",
      description =
          "Records a payment (created) and answers a Telegram invoice link (currency XTR) for "
              + "Telegram.WebApp.openInvoice. The credits are added when Telegram reports the payment; the link "
              + "can be paid once. Idempotency-Key (or idempotency_key) as for starts.")
  ResponseEntity<String> invoice(
      CurrentUser user,
      @RequestBody CreateInvoice.Request request,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
    return invoices.create(user, request, idempotencyKey).toResponse();
  }

  @Problems({ErrorCode.VALIDATION_ERROR})
  @Operation(operationId = "listPayments")
  @GetMapping("/api/payments")
  Payments.UserPage list(
      CurrentUser user,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return payments.page(user.id(), Cursor.decode(cursor), Cursor.limit(limit));
  }
}
