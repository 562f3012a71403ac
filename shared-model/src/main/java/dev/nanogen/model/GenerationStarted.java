package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A worker took a generation. Without a provider task id it is also the worker's claim: it asks the
 * gateway for the right to submit the generation to the provider, and submits only once a {@link
 * GenerationClaimed} grants it. With one, it records the task (or resumes it: no claim needed,
 * nothing is submitted again).
 *
 * @param providerTaskId the provider's task id (videos), or null before a submission
 * @param claimId the worker attempt asking to submit (one per attempt; a repeated claim keeps it)
 * @param workerId the worker process holding the generation now, whose lease ({@link
 *     WorkerHeartbeat}) keeps it there; null from workers before schema version 3
 * @param route the provider route (the worker's {@code nanogen.providers[n].name}) that accepted
 *     the task: its polls stay there; null before schema version 4 and without a task
 *     <p>From schema version 5 a claim is fenced: the worker announces {@link GenerationSubmitting}
 *     before any submission under it, and hands back only what it has not sent.
 */
public record GenerationStarted(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID generationId,
    String providerTaskId,
    UUID claimId,
    UUID workerId,
    String route) {

  public static final int SCHEMA_VERSION = 5;

  /** The first schema version whose claims are fenced ({@link GenerationSubmitting}). */
  public static final int FENCED_CLAIMS = 5;

  /** Without a route: a claim, or a task of a single-route setup. */
  public GenerationStarted(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      UUID generationId,
      String providerTaskId,
      UUID claimId,
      UUID workerId) {
    this(eventId, occurredAt, schemaVersion, generationId, providerTaskId, claimId, workerId, null);
  }
}
