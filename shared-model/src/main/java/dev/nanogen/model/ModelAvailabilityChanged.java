package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A worker's circuit breaker for a model opened (the provider keeps failing for it) or closed
 * again. While a model is unavailable the gateway answers new starts with 503 MODEL_UNAVAILABLE. An
 * unavailability ends by itself at {@code until}, so a lost "available" event costs at most that.
 *
 * @param modelId the catalog model id
 * @param until when the gateway may accept starts again if it hears nothing else (null when
 *     available)
 */
public record ModelAvailabilityChanged(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    String modelId,
    boolean available,
    Instant until,
    String reason) {

  public static final int SCHEMA_VERSION = 1;
}
