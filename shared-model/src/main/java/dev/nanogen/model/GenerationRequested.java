package dev.nanogen.model;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A user's generation was accepted and its credits are held; a worker should run it.
 *
 * @param eventId unique id of this event, for consumer de-duplication
 * @param occurredAt when the gateway accepted the generation
 * @param schemaVersion version of this record's shape
 * @param generationId the generation (also the Kafka key)
 * @param userId Telegram user id of the owner
 * @param modelId catalog model id
 * @param providerModel the AIML API model name the catalog maps {@code modelId} to
 * @param kind image (synchronous endpoint) or video (submit, then poll)
 * @param prompt the user's prompt
 * @param params the provider parameters, exactly as the gateway validated and priced them (the
 *     user's, the catalog's defaults and its pinned ones): sent to the provider as they are
 * @param outputs how many results were paid for; a worker keeps no more (0 in version 1 records:
 *     one)
 * @param deadline after this instant the generation is failed with TIMEOUT
 * @param providerTaskId a provider task already submitted for this generation, or null; a worker
 *     that sees one resumes polling it instead of submitting again
 * @param route the provider route that accepted {@code providerTaskId}, where a resume polls it;
 *     null for a first dispatch (a worker picks a route) and before schema version 3
 */
public record GenerationRequested(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID generationId,
    long userId,
    String modelId,
    String providerModel,
    ModelKind kind,
    String prompt,
    Map<String, Object> params,
    int outputs,
    Instant deadline,
    String providerTaskId,
    String route) {

  public static final int SCHEMA_VERSION = 3;

  /** Without a route: a first dispatch, or a resume of a single-route setup. */
  public GenerationRequested(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      UUID generationId,
      long userId,
      String modelId,
      String providerModel,
      ModelKind kind,
      String prompt,
      Map<String, Object> params,
      int outputs,
      Instant deadline,
      String providerTaskId) {
    this(
        eventId,
        occurredAt,
        schemaVersion,
        generationId,
        userId,
        modelId,
        providerModel,
        kind,
        prompt,
        params,
        outputs,
        deadline,
        providerTaskId,
        null);
  }

  /** Results paid for: at least one. */
  public int paidOutputs() {
    return Math.max(1, outputs);
  }
}
