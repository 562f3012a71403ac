package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.events.UserEvents;
import dev.nanogen.gateway.tx.Pipeline;
import dev.nanogen.gateway.tx.Pipelines;
import dev.nanogen.model.GenerationStatus;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The audit trail: every status a generation enters, with the reason and the time; each is also an
 * event for its user's stream.
 */
@Component
@Transactional(propagation = Propagation.MANDATORY)
class StatusHistory {
  private static final String RECORD =
      """
      INSERT INTO generation_status_history (generation_id, status, reason, at)
      VALUES (:generationId, :status, :reason, :at)
      """;

  private final JdbcClient jdbc;
  private final UserEvents events;

  private final Pipelines pipelines;

  StatusHistory(JdbcClient jdbc, Pipelines pipelines, UserEvents events) {
    this.pipelines = pipelines;
    this.jdbc = jdbc;
    this.events = events;
  }

  @Transactional(propagation = Propagation.SUPPORTS, readOnly = true)
  java.util.List<GenerationReports.StatusChange> of(UUID generationId) {
    return jdbc.sql(
            "SELECT status, reason, at FROM generation_status_history WHERE generation_id = :id ORDER BY id")
        .param("id", generationId)
        .query(GenerationReports.StatusChange.class)
        .list();
  }

  void record(UUID generationId, long userId, GenerationStatus status, String reason, Instant at) {
    Pipeline p = pipelines.open();
    record(p, generationId, userId, status, reason, at);
    p.send();
  }

  /** The status entered, and its event, written with {@code p}'s other statements. */
  void record(
      Pipeline p,
      UUID generationId,
      long userId,
      GenerationStatus status,
      String reason,
      Instant at) {
    p.update(
        RECORD,
        new MapSqlParameterSource("generationId", generationId)
            .addValue("status", status.wire())
            .addValue("reason", reason)
            .addValue("at", Timestamp.from(at)));
    events.generationChanged(p, userId, generationId);
  }
}
