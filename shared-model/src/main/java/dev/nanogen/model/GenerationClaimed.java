package dev.nanogen.model;

import java.time.Instant;
import java.util.UUID;

/**
 * The gateway's answer to a worker's claim (a {@link GenerationStarted} with a claim id): whether
 * that attempt may submit the generation to the provider. Granted once the generation moved from
 * pending to processing for this claim (so the user can no longer cancel it); refused when it was
 * cancelled or ended, or another attempt holds the claim.
 *
 * @param claimId the attempt this answers
 * @param granted true: submit; false: drop the job without an outcome
 */
public record GenerationClaimed(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID generationId,
    UUID claimId,
    boolean granted) {

  public static final int SCHEMA_VERSION = 1;
}
