package dev.nanogen.gateway.outbox;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Takes the next due rows for this relay: deletes their pending rows inside the round's transaction
 * and reads their events. Until the round commits, the deletions are invisible to others and the
 * rows stay locked, so other relays skip them; if the round fails (broker down, crash) the
 * transaction rolls back and the rows are due again. A committed round has published them.
 *
 * <p>Each round asks for index plans ({@link PendingPlans#indexPlans}, which says why). The ids go
 * to PostgreSQL as {@code = ANY(ARRAY(subquery))}, which the planner cannot see into and plans as
 * one index probe per id: given 1 000 ids as a literal array it preferred a sequential scan of the
 * whole pending table.
 */
@Component
class DueRows {
  /**
   * Takes at most {@code :limit} rows whose back-off has passed by {@code :now}; SKIP LOCKED lets
   * concurrent relays take disjoint batches.
   */
  private static final String TAKE =
      """
      DELETE FROM outbox_pending
      WHERE id = ANY(ARRAY(
        SELECT id FROM outbox_pending
        WHERE NOT blocked AND available_at <= :now
        ORDER BY id
        LIMIT :limit
        FOR UPDATE SKIP LOCKED))
      RETURNING id, attempts
      """;

  private static final String EVENTS =
      """
      SELECT id, topic, message_key, event_type, payload, traceparent, created_at
      FROM outbox
      WHERE id = ANY(ARRAY(SELECT unnest(CAST(:ids AS bigint[]))))
      ORDER BY id
      """;

  private final JdbcClient jdbc;

  DueRows(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Runs in the round's transaction, never on its own: the rows it returns are published when that
   * transaction commits (outside one, the deletions would commit before anything was sent).
   */
  @Transactional(propagation = Propagation.MANDATORY)
  List<OutboxRow> take(int limit, Instant now) {
    PendingPlans.indexPlans(jdbc);
    Map<Long, Integer> attempts = new HashMap<>();
    jdbc.sql(TAKE)
        .param("now", Timestamp.from(now))
        .param("limit", limit)
        .query((rs, n) -> Map.entry(rs.getLong("id"), rs.getInt("attempts")))
        .list()
        .forEach(taken -> attempts.put(taken.getKey(), taken.getValue()));
    if (attempts.isEmpty()) {
      return List.of();
    }
    return jdbc.sql(EVENTS)
        .param("ids", attempts.keySet().toArray(Long[]::new))
        .query(
            (rs, n) -> {
              long id = rs.getLong("id");
              return new OutboxRow(
                  id,
                  rs.getString("topic"),
                  rs.getString("message_key"),
                  rs.getString("event_type"),
                  rs.getString("payload"),
                  rs.getString("traceparent"),
                  attempts.get(id),
                  rs.getTimestamp("created_at").toInstant());
            })
        .list();
  }
}
