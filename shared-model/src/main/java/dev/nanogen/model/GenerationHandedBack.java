package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A worker that is shutting down stopped working on a generation before its end: the gateway
 * dispatches it again at once (a resume with {@code providerTaskId} when there is one), instead of
 * waiting for the sweeper to notice the stall.
 *
 * @param providerTaskId the provider's task to resume (videos), or null when nothing was submitted
 *     or the call was synchronous (an image: submitted again)
 * @param route the provider route the task was accepted by, or null
 */
public record GenerationHandedBack(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID generationId,
    String providerTaskId,
    String reason,
    String route) {

  public static final int SCHEMA_VERSION = 2;

  /** Without a route (schema version 1). */
  public GenerationHandedBack(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      UUID generationId,
      String providerTaskId,
      String reason) {
    this(eventId, occurredAt, schemaVersion, generationId, providerTaskId, reason, null);
  }
}
