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
    ModelParams params,
    Inputs inputs) {

  /**
   * How many uploaded images a start of the model takes, and where they go in the provider's
   * request.
   *
   * @param param the provider's field for their URLs (null when the model takes none)
   * @param list whether that field takes a list of URLs ({@code image_urls}) or one ({@code
   *     image_url})
   */
  public record Inputs(int min, int max, String param, boolean list) {
    public static final Inputs NONE = new Inputs(0, 0, null, false);
  }

  public boolean availableAt(Instant now) {
    return unavailableUntil == null || !unavailableUntil.isAfter(now);
  }
}
