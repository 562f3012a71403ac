package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A live worker renews its lease: the generations it holds (those whose last {@link
 * GenerationStarted} named it) stay its for {@code leaseSeconds} from when the gateway reads this.
 * A worker that stops renewing — killed, frozen, cut off — loses them: the gateway's sweeper
 * resumes its videos (their provider task ids) on another worker.
 *
 * @param workerId the worker process (one id per process start)
 * @param leaseSeconds how long the lease lasts from now; a worker renews well before it runs out
 */
public record WorkerHeartbeat(
    UUID eventId, Instant occurredAt, int schemaVersion, UUID workerId, int leaseSeconds) {

  public static final int SCHEMA_VERSION = 1;
}
