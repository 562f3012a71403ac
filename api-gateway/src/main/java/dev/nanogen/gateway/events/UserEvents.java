package dev.nanogen.gateway.events;

import dev.nanogen.gateway.tx.Pipeline;
import dev.nanogen.gateway.tx.Pipelines;
import dev.nanogen.ops.SingletonJobs;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The user_events table's owner: what a user's event stream tells, recorded in the transaction of
 * the change it announces (so an event exists exactly when its change does), read back for replay
 * and tailed by every replica, purged after the retention.
 */
@Component
public class UserEvents {
  /** A recorded event: a generation's status changed, or the user's balance moved. */
  public record Event(long id, long userId, String kind, UUID generationId) {}

  private final JdbcClient jdbc;
  private final EventsProperties settings;

  private final SingletonJobs singletons;

  private final Pipelines pipelines;

  UserEvents(
      SingletonJobs singletons, JdbcClient jdbc, Pipelines pipelines, EventsProperties settings) {
    this.pipelines = pipelines;
    this.singletons = singletons;
    this.jdbc = jdbc;
    this.settings = settings;
  }

  /** The generation's status changed (its user's stream gets it). */
  @Transactional(propagation = Propagation.MANDATORY)
  public void generationChanged(long userId, UUID generationId) {
    Pipeline p = pipelines.open();
    generationChanged(p, userId, generationId);
    p.send();
  }

  /** The generation's status changed, written with {@code p}'s other statements. */
  public void generationChanged(Pipeline p, long userId, UUID generationId) {
    p.update(
        "INSERT INTO user_events (user_id, kind, generation_id) VALUES (:userId, 'generation', :id)",
        new MapSqlParameterSource("userId", userId).addValue("id", generationId));
  }

  /** The user's credits moved. */
  @Transactional(propagation = Propagation.MANDATORY)
  public void balanceChanged(long userId) {
    Pipeline p = pipelines.open();
    balanceChanged(p, userId);
    p.send();
  }

  /** The user's credits moved, written with {@code p}'s other statements. */
  public void balanceChanged(Pipeline p, long userId) {
    p.update(
        "INSERT INTO user_events (user_id, kind) VALUES (:userId, 'balance')",
        new MapSqlParameterSource("userId", userId));
  }

  /** The user's events after {@code afterId}, oldest first (a reconnect's replay). */
  public List<Event> after(long userId, long afterId, int limit) {
    return jdbc.sql(
            "SELECT id, user_id, kind, generation_id FROM user_events WHERE user_id = :userId AND id > :after ORDER BY id LIMIT :limit")
        .param("userId", userId)
        .param("after", afterId)
        .param("limit", limit)
        .query(Event.class)
        .list();
  }

  /** Every user's events after {@code afterId}, oldest first (what a replica tails). */
  public List<Event> after(long afterId, int limit) {
    return jdbc.sql(
            "SELECT id, user_id, kind, generation_id FROM user_events WHERE id > :after ORDER BY id LIMIT :limit")
        .param("after", afterId)
        .param("limit", limit)
        .query(Event.class)
        .list();
  }

  /** The newest event id (0 when none): where a fresh tail starts. */
  public long newest() {
    return jdbc.sql("SELECT COALESCE(max(id), 0) FROM user_events").query(Long.class).single();
  }

  @Scheduled(fixedDelayString = "PT1M", initialDelayString = "PT1M")
  void scheduledPurge() {
    // Once per interval over all replicas: the others find the lock taken and skip.
    singletons.run("gateway-user-events-purge", Duration.ofSeconds(50), this::purge);
  }

  void purge() {
    jdbc.sql("DELETE FROM user_events WHERE created_at < now() - CAST(:retention AS interval)")
        .param("retention", settings.retention().toSeconds() + " seconds")
        .update();
  }
}
