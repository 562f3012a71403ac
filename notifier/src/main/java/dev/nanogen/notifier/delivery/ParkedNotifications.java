package dev.nanogen.notifier.delivery;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The parked deliveries (Telegram kept failing for {@code max-retry-age}): what admins see of them,
 * and how they send them again; every re-queue is written to {@code notifier.admin_audit} in its
 * own transaction.
 */
@Component
public class ParkedNotifications {
  private static final Logger log = LoggerFactory.getLogger(ParkedNotifications.class);

  private final Dispatcher dispatcher;
  private final JdbcClient jdbc;
  private final TransactionTemplate tx;

  /** A parked notification. */
  public record Item(
      long id,
      UUID generationId,
      long userId,
      long chatId,
      int attempts,
      String lastError,
      Instant createdAt,
      Instant parkedAt) {}

  ParkedNotifications(Dispatcher dispatcher, JdbcClient jdbc, TransactionTemplate tx) {
    this.dispatcher = dispatcher;
    this.jdbc = jdbc;
    this.tx = tx;
  }

  public List<Item> list(int limit) {
    return jdbc.sql(
            """
            SELECT id, generation_id, user_id, chat_id, attempts, last_error, created_at, finished_at
            FROM deliveries WHERE state = 'PARKED' ORDER BY id LIMIT :limit
            """)
        .param("limit", limit)
        .query(
            (rs, n) ->
                new Item(
                    rs.getLong("id"),
                    rs.getObject("generation_id", UUID.class),
                    rs.getLong("user_id"),
                    rs.getLong("chat_id"),
                    rs.getInt("attempts"),
                    rs.getString("last_error"),
                    rs.getTimestamp("created_at").toInstant(),
                    rs.getTimestamp("finished_at").toInstant()))
        .list();
  }

  /** Parked rows (one, or all when {@code id} is null) become due again, their age restarted. */
  private int requeueRows(Long id) {
    return jdbc.sql(
            """
            UPDATE deliveries SET state = 'PENDING', attempts = 0, next_attempt_at = now(),
                                  retrying_since = now(), finished_at = NULL
            WHERE state = 'PARKED' AND (CAST(:id AS bigint) IS NULL OR id = :id)
            """)
        .param("id", id)
        .update();
  }

  /** Makes one parked notification ({@code id}) or all ({@code null}) due again. */
  public int requeue(Long id) {
    Integer count =
        tx.execute(
            status -> {
              int rows = requeueRows(id);
              jdbc.sql(
                      "INSERT INTO admin_audit (action, details, at) VALUES ('notification-requeue', :details, now())")
                  .param("details", (id == null ? "all parked" : "delivery " + id) + ": " + rows)
                  .update();
              return rows;
            });
    int requeued = count == null ? 0 : count;
    log.info(
        "admin re-queued {} parked notification(s){}",
        requeued,
        id == null ? "" : " (id " + id + ")");
    dispatcher.wake();
    return requeued;
  }
}
