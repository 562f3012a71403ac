package dev.nanogen.notifier.delivery;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** What admins see of notifications Telegram kept failing, and how they send them again. */
@Component
public class ParkedNotifications {
  private static final Logger log = LoggerFactory.getLogger(ParkedNotifications.class);

  private final Deliveries deliveries;
  private final Dispatcher dispatcher;

  /** A parked notification. */
  public record Item(
      long id, UUID generationId, long userId, long chatId, int attempts, String lastError, Instant createdAt, Instant parkedAt) {}

  ParkedNotifications(Deliveries deliveries, Dispatcher dispatcher) {
    this.deliveries = deliveries;
    this.dispatcher = dispatcher;
  }

  public List<Item> list(int limit) {
    return deliveries.parked(limit);
  }

  /** Makes one parked notification ({@code id}) or all ({@code null}) due again. */
  public int requeue(Long id) {
    int requeued = deliveries.requeue(id);
    log.info("admin re-queued {} parked notification(s){}", requeued, id == null ? "" : " (id " + id + ")");
    dispatcher.wake();
    return requeued;
  }
}
