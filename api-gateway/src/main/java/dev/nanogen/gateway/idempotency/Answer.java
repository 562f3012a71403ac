package dev.nanogen.gateway.idempotency;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The answer to a keyed request: a first response, or the replay of the one stored under its key.
 */
public record Answer(int status, String body, boolean replayed) {

  public static Answer first(int status, String body) {
    return new Answer(status, body, false);
  }

  public static Answer replay(IdempotencyKeys.Stored stored) {
    return new Answer(stored.responseStatus(), stored.responseBody(), true);
  }

  /** As HTTP: the JSON body with its status, and {@code Idempotent-Replayed: true} on a replay. */
  public ResponseEntity<String> toResponse() {
    ResponseEntity.BodyBuilder answer =
        ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON);
    if (replayed) {
      answer.header("Idempotent-Replayed", "true");
    }
    return answer.body(body);
  }
}
