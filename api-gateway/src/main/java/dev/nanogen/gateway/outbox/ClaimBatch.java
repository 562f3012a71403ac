package dev.nanogen.gateway.outbox;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Claims the next due outbox rows for this relay, skipping rows another relay holds. */
@Component
class ClaimBatch {
  /**
   * :now   — rows whose back-off has passed are due
   * :limit — the batch size
   * SKIP LOCKED lets concurrent relays take disjoint batches; the locks last until the round's
   * transaction ends, after the rows are marked.
   */
  private static final String CLAIM =
      """
      SELECT id, topic, message_key, event_type, payload, correlation_id, attempts, created_at
      FROM outbox
      WHERE status = 'PENDING' AND available_at <= :now
      ORDER BY id
      LIMIT :limit
      FOR UPDATE SKIP LOCKED
      """;

  private final JdbcClient jdbc;

  ClaimBatch(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  List<OutboxRow> due(int limit, Instant now) {
    return jdbc.sql(CLAIM)
        .param("now", Timestamp.from(now))
        .param("limit", limit)
        .query((rs, n) -> new OutboxRow(
            rs.getLong("id"), rs.getString("topic"), rs.getString("message_key"), rs.getString("event_type"),
            rs.getString("payload"), rs.getString("correlation_id"), rs.getInt("attempts"),
            rs.getTimestamp("created_at").toInstant()))
        .list();
  }
}
