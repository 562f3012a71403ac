package dev.nanogen.gateway.sse;

import dev.nanogen.gateway.auth.CurrentUser;
import dev.nanogen.gateway.auth.EventTokens;
import dev.nanogen.gateway.auth.Users;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.Problems;
import dev.nanogen.gateway.error.ValidationFailed;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Live progress for a Mini App: the caller's events as Server-Sent Events, and tokens for
 * EventSource.
 */
@Tag(name = "Events")
@RestController
class EventsController {
  private final EventStreams streams;
  private final EventTokens tokens;

  EventsController(EventStreams streams, EventTokens tokens) {
    this.streams = streams;
    this.tokens = tokens;
  }

  @Schema(name = "EventToken")
  record Token(String token) {}

  @PostMapping("/api/events/token")
  @Operation(
      operationId = "createEventToken",
      summary = "A single-use token for GET /api/events",
      description =
          "For EventSource, which cannot send the Authorization header: GET /api/events?token=… within 60 s, once.")
  Token token(CurrentUser user) {
    return new Token(tokens.issue(user.id()));
  }

  @Problems({ErrorCode.VALIDATION_ERROR})
  @ApiResponse(
      responseCode = "200",
      description = "the stream: `id:`, `event: generation|balance`, `data:` (JSON) per event",
      content =
          @Content(
              mediaType = MediaType.TEXT_EVENT_STREAM_VALUE,
              schema = @Schema(type = "string")))
  @GetMapping(path = "/api/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  @Operation(
      operationId = "streamEvents",
      summary = "The caller's live events (Server-Sent Events)",
      description =
          "`event: generation` with the GET /api/generation/{id} JSON on every status change of the caller's "
              + "generations; `event: balance` with the GET /api/me JSON after every movement of the caller's credits. Every "
              + "event has an `id`; a comment comes at least every 20 s. A reconnect with Last-Event-ID first gets every later "
              + "event still retained (15 min). Authorization: the tma header, or ?token= from POST /api/events/token.")
  SseEmitter events(
      CurrentUser user,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
      @Parameter(description = "a token from POST /api/events/token, instead of the tma header")
          @RequestParam(name = "token", required = false)
          String token) {
    return streams.open(
        user.id(), new Users.Standing(user.premium(), user.botBlocked()), parse(lastEventId));
  }

  private static Long parse(String lastEventId) {
    if (lastEventId == null || lastEventId.isBlank()) {
      return null;
    }
    try {
      long id = Long.parseLong(lastEventId.strip());
      if (id < 0) {
        throw new NumberFormatException();
      }
      return id;
    } catch (NumberFormatException e) {
      throw ValidationFailed.of("Last-Event-ID", "is not an event id of this API");
    }
  }
}
