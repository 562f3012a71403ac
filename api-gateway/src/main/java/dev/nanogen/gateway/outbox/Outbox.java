package dev.nanogen.gateway.outbox;

import dev.nanogen.gateway.tx.AfterCommit;
import dev.nanogen.gateway.tx.Pipeline;
import dev.nanogen.gateway.tx.Pipelines;
import dev.nanogen.ops.trace.Traces;
import jakarta.annotation.Nullable;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Appends an event to the outbox in the caller's transaction, so the event exists exactly when the
 * state change it announces does. After the commit it wakes the relay, which publishes it.
 */
@Component
@Transactional(propagation = Propagation.MANDATORY)
public class Outbox {
  /** The immutable event and its pending row (what is left to do: publish it), in one statement. */
  private static final String APPEND =
      """
      WITH event AS (
        INSERT INTO outbox (topic, message_key, event_type, payload, traceparent, created_at)
        VALUES (:topic, :key, :type, :payload, :traceparent, :now)
        RETURNING id)
      INSERT INTO outbox_pending (id, available_at) SELECT id, :now FROM event
      """;

  /** Of the keys, those with an event of the type waiting to be published (a parked one is not). */
  private static final String QUEUED =
      """
      SELECT o.message_key FROM outbox_pending p JOIN outbox o ON o.id = p.id
      WHERE NOT p.blocked AND o.event_type = :type AND o.message_key IN (:keys)
      """;

  private final JdbcClient jdbc;
  private final JsonMapper json;
  private final Clock clock;
  private final RelaySignal signal;
  private final Traces traces;

  private final Pipelines pipelines;

  Outbox(
      JdbcClient jdbc,
      Pipelines pipelines,
      JsonMapper json,
      Clock clock,
      RelaySignal signal,
      Traces traces) {
    this.pipelines = pipelines;
    this.traces = traces;
    this.jdbc = jdbc;
    this.json = json;
    this.clock = clock;
    this.signal = signal;
  }

  /**
   * An event of a generation (or a payment) as kept here: published, or still pending or parked
   * with its attempts and last error.
   *
   * @param status PUBLISHED, PENDING or BLOCKED
   */
  @io.swagger.v3.oas.annotations.media.Schema(name = "AdminOutboxEvent")
  public record Kept(
      String eventType,
      String topic,
      String status,
      @Nullable Integer attempts,
      @Nullable String lastError,
      @Nullable String traceparent,
      java.time.Instant createdAt) {}

  /** The events kept for {@code key} (published ones until their retention ends), in order. */
  @Transactional(propagation = Propagation.SUPPORTS, readOnly = true)
  public List<Kept> keptFor(UUID key) {
    return jdbc.sql(
            """
            SELECT o.event_type, o.topic,
                   CASE WHEN p.id IS NULL THEN 'PUBLISHED' WHEN p.blocked THEN 'BLOCKED' ELSE 'PENDING' END AS status,
                   p.attempts, p.last_error, o.traceparent, o.created_at
            FROM outbox o LEFT JOIN outbox_pending p ON p.id = o.id
            WHERE o.message_key = :key ORDER BY o.id
            """)
        .param("key", key.toString())
        .query(Kept.class)
        .list();
  }

  /**
   * Queues {@code event} for {@code topic} on the current trace, keyed by what it is about (a
   * generation's id; a payment's for a payment event).
   */
  public void append(String topic, UUID key, Record event) {
    append(topic, key, event, traces.current());
  }

  /** Queues {@code event} on the trace {@code traceparent} names (none when null). */
  public void append(String topic, UUID key, Record event, String traceparent) {
    Pipeline p = pipelines.open();
    append(p, topic, key, event, traceparent);
    p.send();
  }

  /** Queues {@code event}, written with {@code p}'s other statements. */
  public void append(Pipeline p, String topic, UUID key, Record event, String traceparent) {
    p.update(
        APPEND,
        new MapSqlParameterSource("topic", topic)
            .addValue("key", key.toString())
            .addValue("type", event.getClass().getSimpleName())
            .addValue("payload", json.writeValueAsString(event))
            .addValue("traceparent", traceparent)
            .addValue("now", Timestamp.from(clock.instant())));
    AfterCommit.run(signal::wake);
  }

  /**
   * Which of {@code keys} have an event of {@code type} still waiting here to be published: the
   * answer to "is this generation's request still queued?". A parked event is not waiting.
   */
  public Set<UUID> queued(Class<? extends Record> type, Collection<UUID> keys) {
    if (keys.isEmpty()) {
      return Set.of();
    }
    PendingPlans.planAfresh(jdbc); // the join on outbox_pending
    return jdbc
        .sql(QUEUED)
        .param("type", type.getSimpleName())
        .param("keys", keys.stream().map(UUID::toString).toList())
        .query(String.class)
        .list()
        .stream()
        .map(UUID::fromString)
        .collect(Collectors.toSet());
  }
}
