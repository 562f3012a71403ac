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
 * What admins see of notifications Telegram kept failing, and how they send them again; every
 * re-queue is written to {@code notifier.admin_audit} in its own transaction.
 */
@Component
public class ParkedNotifications {
  private static final Logger log = LoggerFactory.getLogger(ParkedNotifications.class);

  private final Deliveries deliveries;
  private final Dispatcher dispatcher;
  private final JdbcClient jdbc;
  private final TransactionTemplate tx;

  /** A parked notification. */
  public record Item(
      long id, UUID generationId, long userId, long chatId, int attempts, String lastError, Instant createdAt, Instant parkedAt) {}

  ParkedNotifications(Deliveries deliveries, Dispatcher dispatcher, JdbcClient jdbc, TransactionTemplate tx) {
    this.deliveries = deliveries;
    this.dispatcher = dispatcher;
    this.jdbc = jdbc;
    this.tx = tx;
  }

  public List<Item> list(int limit) {
    return deliveries.parked(limit);
  }

  /** Makes one parked notification ({@code id}) or all ({@code null}) due again. */
  public int requeue(Long id) {
    Integer count = tx.execute(status -> {
      int rows = deliveries.requeue(id);
      jdbc.sql("INSERT INTO admin_audit (action, details, at) VALUES ('notification-requeue', :details, now())")
          .param("details", (id == null ? "all parked" : "delivery " + id) + ": " + rows)
          .update();
      return rows;
    });
    int requeued = count == null ? 0 : count;
    log.info("admin re-queued {} parked notification(s){}", requeued, id == null ? "" : " (id " + id + ")");
    dispatcher.wake();
    return requeued;
  }
}
