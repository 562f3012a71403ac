package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A worker holding a granted claim is about to submit the generation to the provider: published,
 * and acknowledged by the broker, before the provider call, while the worker's own reckoning of its
 * lease still holds. From then on the generation "may have been submitted" and is never handed to
 * another worker's submission; a granted claim without it was "certainly not submitted", and is
 * dispatched again once its worker's lease ran out.
 *
 * @param claimId the granted claim the submission is made under
 * @param workerId the worker process making it
 */
public record GenerationSubmitting(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID generationId,
    UUID claimId,
    UUID workerId) {

  public static final int SCHEMA_VERSION = 1;
}
