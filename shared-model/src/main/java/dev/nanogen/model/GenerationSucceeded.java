package dev.nanogen.model;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The provider produced the result.
 *
 * @param resultUrls where the image(s) or video can be fetched
 * @param providerMillis time spent at the provider
 * @param route the provider route that produced it (null before schema version 2)
 * @param providerCost what the provider charged for it, in the routes' cost unit (the provider's
 *     own figure where its answer gives one, else the route's cost per result); null when unknown
 */
public record GenerationSucceeded(
    UUID eventId,
    Instant occurredAt,
    int schemaVersion,
    UUID generationId,
    List<String> resultUrls,
    long providerMillis,
    String route,
    BigDecimal providerCost) {

  public static final int SCHEMA_VERSION = 2;

  /** Without route and cost (schema version 1). */
  public GenerationSucceeded(
      UUID eventId,
      Instant occurredAt,
      int schemaVersion,
      UUID generationId,
      List<String> resultUrls,
      long providerMillis) {
    this(eventId, occurredAt, schemaVersion, generationId, resultUrls, providerMillis, null, null);
  }
}
