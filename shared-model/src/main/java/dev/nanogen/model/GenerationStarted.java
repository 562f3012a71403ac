package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A worker began a generation at the provider.
 *
 * @param providerTaskId the provider's task id (videos), or null for synchronous image calls
 */
public record GenerationStarted(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID generationId,
    String providerTaskId) {

  public static final int SCHEMA_VERSION = 1;
}
