package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * The generation could not be produced; its hold is to be released.
 *
 * @param errorCode stable upper-snake code, for example PROVIDER_REJECTED or TIMEOUT
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
}
