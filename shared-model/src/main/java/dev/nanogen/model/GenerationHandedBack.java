package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A worker that is shutting down stopped working on a generation before its end: the gateway
 * dispatches it again at once (a resume with {@code providerTaskId} when there is one), instead of
 * waiting for the sweeper to notice the stall.
 *
 * @param providerTaskId the provider's task to resume (videos), or null when nothing was submitted
 *     (a worker never hands back a synchronous call it sent: it waits for it, or fails it)
 * @param route the provider route the task was accepted by, or null
 * @param claimId the claim the worker held (granted or not), or null before schema version 3: a
 *     hand-back releases only that claim, never another worker's
 */
public record GenerationHandedBack(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID generationId,
    String providerTaskId,
    String reason,
    String route,
    UUID claimId) {

  public static final int SCHEMA_VERSION = 3;

  /** Without a claim id (schema version 2). */
  public GenerationHandedBack(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      UUID generationId,
      String providerTaskId,
      String reason,
      String route) {
    this(eventId, occurredAt, schemaVersion, generationId, providerTaskId, reason, route, null);
  }

  /** Without a route (schema version 1). */
  public GenerationHandedBack(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      UUID generationId,
      String providerTaskId,
      String reason) {
    this(eventId, occurredAt, schemaVersion, generationId, providerTaskId, reason, null, null);
  }
}
