package dev.nanogen.model;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The provider produced the result.
 *
 * @param resultUrls where the image(s) or video can be fetched
 * @param providerMillis time spent at the provider
 */
public record GenerationSucceeded(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID generationId,
    List<String> resultUrls,
    long providerMillis) {

  public static final int SCHEMA_VERSION = 1;
}
