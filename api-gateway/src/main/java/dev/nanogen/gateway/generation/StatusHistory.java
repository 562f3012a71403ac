package dev.nanogen.gateway.generation;

import dev.nanogen.model.GenerationStatus;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** The audit trail: every status a generation enters, with the reason and the time. */
@Component
@Transactional(propagation = Propagation.MANDATORY)
class StatusHistory {
  private static final String RECORD =
      """
      INSERT INTO generation_status_history (generation_id, status, reason, at)
      VALUES (:generationId, :status, :reason, :at)
      """;

  private final JdbcClient jdbc;

  StatusHistory(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  void record(UUID generationId, GenerationStatus status, String reason, Instant at) {
    jdbc.sql(RECORD)
        .param("generationId", generationId)
        .param("status", status.wire())
        .param("reason", reason)
        .param("at", Timestamp.from(at))
        .update();
  }
}
