package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * The generation could not be produced; its hold is to be released.
 *
 * @param errorCode a {@link FailureCode}'s name (a string on the wire, so a code a newer worker
 *     sends still reads: {@link #failure()} is then {@link FailureCode#UNKNOWN})
 * @param errorMessage what the provider or the worker said, for operators
 */
public record GenerationFailed(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID generationId,
    String errorCode,
    String errorMessage) {

  public static final int SCHEMA_VERSION = 1;

  /** A new event, now, for {@code generationId}. */
  public static GenerationFailed of(
      UUID generationId, FailureCode code, String errorMessage, Instant now) {
    return new GenerationFailed(
        UUID.randomUUID(), now, SCHEMA_VERSION, generationId, code.name(), errorMessage);
  }

  /** The code this event carries. */
  public FailureCode failure() {
    return FailureCode.of(errorCode);
  }
}
