package dev.nanogen.gateway.events;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * GET /api/events.
 *
 * @param retention how long events are kept for a reconnect's Last-Event-ID (at least 10 minutes)
 * @param heartbeat how often an idle stream gets a comment (at most 20 s)
 * @param poll how often a replica looks for new events
 * @param gapWait how long a missing event id is waited for (a transaction still committing) before
 *     it is taken for a rolled-back one
 * @param tokenLifetime how long a token from POST /api/events/token may be redeemed
 * @param reconnectsPerMinute streams one user may open a minute on one replica; one more is 429
 */
@ConfigurationProperties("nanogen.events")
public record EventsProperties(
    @DefaultValue("15m") Duration retention,
    @DefaultValue("15s") Duration heartbeat,
    @DefaultValue("200ms") Duration poll,
    @DefaultValue("30s") Duration gapWait,
    @DefaultValue("60s") Duration tokenLifetime,
    @DefaultValue("30") int reconnectsPerMinute) {

  /** This record's bean, for SpEL in annotations that take a setting. */
  public static final String SETTINGS =
      "@'nanogen.events-dev.nanogen.gateway.events.EventsProperties'";

  public EventsProperties {
    if (retention.compareTo(Duration.ofMinutes(10)) < 0) {
      throw new IllegalStateException("nanogen.events.retention must be at least 10 minutes");
    }
    if (reconnectsPerMinute < 1) {
      throw new IllegalStateException("nanogen.events.reconnects-per-minute must be at least 1");
    }
    if (heartbeat.compareTo(Duration.ofSeconds(20)) > 0) {
      throw new IllegalStateException("nanogen.events.heartbeat must be at most 20 s");
    }
  }
}
