package dev.nanogen.gateway.catalog;

import dev.nanogen.model.ModelKind;
import java.time.Instant;

/**
 * One entry of the model catalog; {@code price} is the price at the default params ({@link
 * ModelParams} prices any others). Which AIML endpoint (by {@code kind}) and which provider model a
 * catalog model maps to is data, not code.
 */
public record CatalogModel(
    String id,
    String name,
    ModelKind kind,
    String providerModel,
    long price,
    boolean enabled,
    int deadlineSeconds,
    Integer maxActivePerUser,
    Instant unavailableUntil,
    ModelParams params) {

  public boolean availableAt(Instant now) {
    return unavailableUntil == null || !unavailableUntil.isAfter(now);
  }
}
