package dev.nanogen.gateway.limits;

import dev.nanogen.gateway.config.NanogenProperties;

/**
 * The start limits that apply to one user — the premium or the regular ones — as enforced by
 * StartLimits and shown by GET /api/me and the admin user view.
 *
 * @param maxActive generations pending or processing at once
 * @param startsPerWindow starts per rolling window
 * @param windowSeconds the rolling window
 */
public record UserLimits(int maxActive, int startsPerWindow, long windowSeconds) {

  public static UserLimits of(NanogenProperties.Limits limits, boolean premium) {
    return new UserLimits(
        premium ? limits.maxActivePremium() : limits.maxActive(),
        premium ? limits.startsPerWindowPremium() : limits.startsPerWindow(),
        limits.window().toSeconds());
  }
}
