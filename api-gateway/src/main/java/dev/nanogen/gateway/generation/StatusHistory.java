package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.events.UserEvents;
import dev.nanogen.model.GenerationStatus;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
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

  StatusHistory(JdbcClient jdbc, UserEvents events) {
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
    jdbc.sql(RECORD)
        .param("generationId", generationId)
        .param("status", status.wire())
        .param("reason", reason)
        .param("at", Timestamp.from(at))
        .update();
    events.generationChanged(userId, generationId);
  }
}
