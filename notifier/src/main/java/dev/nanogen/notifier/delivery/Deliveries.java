package dev.nanogen.notifier.delivery;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The delivery table: what the notifier owes users, claimed chat by chat. Every time is the
 * database's {@code now()}, so that replicas on different clocks pace chats alike.
 *
 * <p>A chat is the unit of claiming: {@link #claim} reserves a chat (its {@code next_send_at} moves
 * a lease ahead) and takes its oldest due delivery, so no two replicas ever send to one chat at
 * once; each ending moves {@code next_send_at} to when the chat may hear from the bot again. The
 * claiming replica's id is kept with the chat ({@code leased_by}) while its message is on its way:
 * it renews the reservation ({@link #renew}) and only it moves the chat on when the delivery ends.
 */
@Repository
class Deliveries {
  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;

  /** This replica, as {@code chats.leased_by} names it. */
  private final UUID replica = UUID.randomUUID();

  /**
   * What a delivery tells: that the generation started, or how it ended; or that a purchase's
   * credits were added (its generation_id is then the payment's id).
   */
  enum Kind {
    STARTED,
    RESULT,
    PURCHASE
  }

  /** A claimed delivery: its notice as recorded, and whether its chat was blocked before. */
  record Claimed(
      long id,
      Kind kind,
      UUID generationId,
      long userId,
      long chatId,
      String notice,
      String traceparent,
      int attempts,
      boolean chatBlocked) {}

  Deliveries(JdbcClient jdbc, TransactionTemplate transaction) {
    this.jdbc = jdbc;
    this.transaction = transaction;
  }

  /** Records a notice owed; answers false when it was already recorded (a redelivered event). */
  boolean record(
      Kind kind,
      UUID generationId,
      long userId,
      long chatId,
      String noticeJson,
      String traceparent) {
    return Boolean.TRUE.equals(
        transaction.execute(
            status -> {
              jdbc.sql(
                      "INSERT INTO chats (chat_id, user_id) VALUES (:chat, :user) ON CONFLICT (chat_id) DO NOTHING")
                  .param("chat", chatId)
                  .param("user", userId)
                  .update();
              return jdbc.sql(
                          """
                          INSERT INTO deliveries
                              (generation_id, kind, user_id, chat_id, notice, traceparent, next_attempt_at, created_at, retrying_since)
                          VALUES (:generation, :kind, :user, :chat, CAST(:notice AS jsonb), :traceparent, now(), now(), now())
                          ON CONFLICT (generation_id, kind) DO NOTHING
                          """)
                      .param("generation", generationId)
                      .param("kind", kind.name())
                      .param("user", userId)
                      .param("chat", chatId)
                      .param("notice", noticeJson)
                      .param("traceparent", traceparent)
                      .update()
                  == 1;
            }));
  }

  /**
   * Claims up to {@code max} chats that may be messaged now and have a due delivery, one delivery
   * each (the oldest due), reserving each chat for {@code lease}.
   */
  List<Claimed> claim(int max, Duration lease) {
    return jdbc.sql(
            """
            WITH free AS (
                SELECT c.chat_id, c.blocked_at IS NOT NULL AS blocked
                FROM chats c
                WHERE c.next_send_at <= now()
                  AND c.chat_id IN (SELECT d.chat_id FROM deliveries d
                                    WHERE d.state = 'PENDING' AND d.next_attempt_at <= now())
                ORDER BY c.next_send_at
                LIMIT :max
                FOR UPDATE OF c SKIP LOCKED),
            reserved AS (
                UPDATE chats c SET next_send_at = now() + make_interval(secs => :lease), leased_by = :replica
                FROM free f WHERE c.chat_id = f.chat_id),
            picked AS (
                SELECT d.id, f.blocked
                FROM free f
                CROSS JOIN LATERAL (
                    SELECT id FROM deliveries d
                    WHERE d.chat_id = f.chat_id AND d.state = 'PENDING' AND d.next_attempt_at <= now()
                    ORDER BY d.next_attempt_at, d.id
                    LIMIT 1) d)
            UPDATE deliveries d SET attempts = d.attempts + 1
            FROM picked p WHERE d.id = p.id
            RETURNING d.id, d.kind, d.generation_id, d.user_id, d.chat_id, d.notice::text AS notice,
                      d.traceparent, d.attempts, p.blocked
            """)
        .param("max", max)
        .param("lease", seconds(lease))
        .param("replica", replica)
        .query(Deliveries::claimed)
        .list();
  }

  /**
   * Renews this replica's reservation of {@code chats} (its messages on their way) for {@code
   * lease}; a chat whose delivery ended meanwhile, or that another replica holds, is left alone.
   */
  int renew(Collection<Long> chats, Duration lease) {
    if (chats.isEmpty()) {
      return 0;
    }
    return jdbc.sql(
            """
            UPDATE chats SET next_send_at = now() + make_interval(secs => :lease)
            WHERE leased_by = :replica AND chat_id = ANY(:chats)
            """)
        .param("lease", seconds(lease))
        .param("replica", replica)
        .param("chats", chats.toArray(Long[]::new))
        .update();
  }

  /** Sent: the chat may hear from the bot again after {@code interval}; a block is lifted. */
  void sent(Claimed delivery, long messageId, Duration interval) {
    end(delivery, "SENT", null, messageId, interval, false);
  }

  /** 403: the user blocked the bot (or never started it); not retried. */
  void blocked(Claimed delivery, String error, Duration interval) {
    end(delivery, "BLOCKED", error, null, interval, true);
  }

  /**
   * Whether the generation's result is already owed or sent: a started notice then says nothing
   * new.
   */
  boolean hasResult(UUID generationId) {
    return jdbc.sql(
            "SELECT EXISTS (SELECT 1 FROM deliveries WHERE generation_id = :g AND kind = 'RESULT')")
        .param("g", generationId)
        .query(Boolean.class)
        .single();
  }

  /** Another final 4xx, or a notice overtaken by events: dropped. */
  void dropped(Claimed delivery, String error, Duration interval) {
    end(delivery, "DROPPED", error, null, interval, delivery.chatBlocked());
  }

  private void end(
      Claimed delivery,
      String state,
      String error,
      Long messageId,
      Duration interval,
      boolean chatBlocked) {
    transaction.executeWithoutResult(
        status -> {
          jdbc.sql(
                  """
                  UPDATE deliveries SET state = :state, last_error = :error, telegram_message_id = :message,
                                        finished_at = now()
                  WHERE id = :id AND state = 'PENDING'
                  """)
              .param("state", state)
              .param("error", error)
              .param("message", messageId)
              .param("id", delivery.id())
              .update();
          jdbc.sql(
                  """
                  UPDATE chats SET next_send_at = now() + make_interval(secs => :interval),
                                   blocked_at = CASE WHEN :blocked THEN coalesce(blocked_at, now()) END,
                                   leased_by = NULL
                  WHERE chat_id = :chat AND (leased_by IS NULL OR leased_by = :replica)
                  """)
              .param("interval", seconds(interval))
              .param("blocked", chatBlocked)
              .param("chat", delivery.chatId())
              .param("replica", replica)
              .update();
        });
  }

  /**
   * 429: this delivery and every other one to the chat wait {@code wait}; the try is not counted.
   */
  void retryAfter(Claimed delivery, Duration wait, String error) {
    retry(delivery, wait, wait, error, -1);
  }

  /**
   * A 5xx, a network failure or anything unexpected: tried again after {@code backoff}, unless it
   * has been failing for {@code maxAge}, then parked. Answers whether it was parked.
   */
  boolean failed(
      Claimed delivery, Duration backoff, Duration interval, Duration maxAge, String error) {
    return retry(delivery, backoff, interval, error, seconds(maxAge));
  }

  private boolean retry(
      Claimed delivery, Duration wait, Duration chatWait, String error, double parkAfter) {
    return Boolean.TRUE.equals(
        transaction.execute(
            status -> {
              String state =
                  jdbc.sql(
                          """
                          UPDATE deliveries d SET
                              state = CASE WHEN expired THEN 'PARKED' ELSE 'PENDING' END,
                              finished_at = CASE WHEN expired THEN now() END,
                              attempts = CASE WHEN :parkAfter < 0 THEN greatest(d.attempts - 1, 0) ELSE d.attempts END,
                              next_attempt_at = now() + make_interval(secs => :wait),
                              last_error = :error
                          FROM (SELECT :parkAfter >= 0 AND retrying_since <= now() - make_interval(secs => :parkAfter) AS expired
                                FROM deliveries WHERE id = :id) age
                          WHERE d.id = :id AND d.state = 'PENDING'
                          RETURNING d.state
                          """)
                      .param("parkAfter", parkAfter)
                      .param("wait", seconds(wait))
                      .param("error", error)
                      .param("id", delivery.id())
                      .query(String.class)
                      .optional()
                      .orElse("PENDING");
              jdbc.sql(
                      """
                      UPDATE chats SET next_send_at = now() + make_interval(secs => :wait), leased_by = NULL
                      WHERE chat_id = :chat AND (leased_by IS NULL OR leased_by = :replica)
                      """)
                  .param("wait", seconds(chatWait))
                  .param("chat", delivery.chatId())
                  .param("replica", replica)
                  .update();
              return "PARKED".equals(state);
            }));
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }

  private static Claimed claimed(ResultSet rs, int row) throws SQLException {
    return new Claimed(
        rs.getLong("id"),
        Kind.valueOf(rs.getString("kind")),
        rs.getObject("generation_id", UUID.class),
        rs.getLong("user_id"),
        rs.getLong("chat_id"),
        rs.getString("notice"),
        rs.getString("traceparent"),
        rs.getInt("attempts"),
        rs.getBoolean("blocked"));
  }
}
