package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.auth.CurrentUser;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.Problems;
import dev.nanogen.gateway.error.ValidationFailed;
import dev.nanogen.gateway.web.Cursor;
import dev.nanogen.model.GenerationStatus;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The user's generation endpoints. The acting user is always the one initData names. */
@Tag(name = "Generations")
@RestController
class GenerationController {
  private final StartGeneration start;
  private final CancelGeneration cancel;
  private final Generations generations;

  GenerationController(StartGeneration start, CancelGeneration cancel, Generations generations) {
    this.start = start;
    this.cancel = cancel;
    this.generations = generations;
  }

  @Problems({
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.PAYLOAD_TOO_LARGE,
    ErrorCode.INSUFFICIENT_CREDITS,
    ErrorCode.MODEL_NOT_FOUND,
    ErrorCode.MODEL_UNAVAILABLE,
    ErrorCode.IDEMPOTENCY_KEY_IN_USE,
    ErrorCode.IDEMPOTENCY_KEY_REUSED,
    ErrorCode.MAX_ACTIVE_GENERATIONS
  })
  @ApiResponse(
      responseCode = "202",
      description = "accepted: the price is held",
      content =
          @Content(
              mediaType = "application/json",
              schema = @Schema(implementation = StartGeneration.Response.class)))
  @PostMapping(path = "/api/generation/start", consumes = MediaType.APPLICATION_JSON_VALUE)
  @Operation(
      operationId = "startGeneration",
      summary = "Start a generation",
      description =
          "params are validated against the model's JSON Schema (GET /api/models, params): an unknown name, "
              + "a wrong type or a value out of range is 400 VALIDATION_ERROR naming params.<name>. The price is computed "
              + "from the model and the params (GET /api/models, pricing) and held.")
  ResponseEntity<String> start(
      CurrentUser user,
      @RequestBody StartRequest request,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
    return start.start(user, request, request.effectiveKey(idempotencyKey)).toResponse();
  }

  @Problems({ErrorCode.VALIDATION_ERROR, ErrorCode.GENERATION_NOT_FOUND})
  @Operation(operationId = "getGeneration")
  @GetMapping("/api/generation/{id}")
  Generations.View one(CurrentUser user, @PathVariable UUID id) {
    return generations.find(user.id(), id).orElseThrow(() -> CancelGeneration.notFound(id));
  }

  @Problems({ErrorCode.VALIDATION_ERROR})
  @Operation(operationId = "listGenerations")
  @GetMapping("/api/generations")
  Generations.Page list(
      CurrentUser user,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor,
      @RequestParam(required = false) String status) {
    return generations.page(user.id(), status(status), Cursor.decode(cursor), Cursor.limit(limit));
  }

  @Problems({
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.GENERATION_NOT_FOUND,
    ErrorCode.GENERATION_NOT_CANCELLABLE
  })
  @PostMapping("/api/generation/{id}/cancel")
  @org.springframework.web.bind.annotation.ResponseStatus(HttpStatus.OK)
  @Operation(
      operationId = "cancelGeneration",
      summary = "Cancel a pending generation",
      description =
          "Cancels a generation no worker has claimed yet (status pending: never sent to the provider) and "
              + "releases its hold. Once processing, or ended: 409 GENERATION_NOT_CANCELLABLE; the provider's outcome then "
              + "captures or releases the hold as usual. A generation that ends cancelled was never submitted.")
  Generations.View cancel(CurrentUser user, @PathVariable UUID id) {
    return cancel.cancel(user.id(), id);
  }

  private static GenerationStatus status(String value) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      return GenerationStatus.fromWire(value);
    } catch (IllegalArgumentException e) {
      throw ValidationFailed.of(
          "status", "must be one of pending, processing, completed, failed, cancelled");
    }
  }
}
