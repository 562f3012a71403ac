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
   * The lock is taken on the narrow pending rows only; SKIP LOCKED lets concurrent relays take
   * disjoint batches, and the locks last until the round's transaction ends, after the rows are
   * marked. The events are then read by key: {@code = ANY(ARRAY(…))} keeps the plan an index lookup
   * per row whatever the two tables' sizes (a join let the planner merge-scan the whole outbox).
   */
  private static final String CLAIM =
      """
      SELECT id, topic, message_key, event_type, payload, correlation_id, created_at
      FROM outbox
      WHERE id = ANY(ARRAY(
        SELECT id FROM outbox_pending
        WHERE NOT blocked AND available_at <= :now
        ORDER BY id
        LIMIT :limit
        FOR UPDATE SKIP LOCKED))
      ORDER BY id
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
            rs.getString("payload"), rs.getString("correlation_id"), rs.getTimestamp("created_at").toInstant()))
        .list();
  }
}
