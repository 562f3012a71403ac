package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.outbox.Outbox;
import dev.nanogen.gateway.uploads.Uploads;
import dev.nanogen.model.GenerationProcessingStarted;
import dev.nanogen.model.GenerationSettled;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * What the gateway tells the notifier about a generation, through the outbox in the transaction of
 * the change it announces: GenerationSettled when it ended (the money settled), and — when {@code
 * nanogen.notice-started} is on — GenerationProcessingStarted when a worker took it up.
 */
@Component
@Transactional(propagation = Propagation.MANDATORY)
class Announcements {
  /** What the started notice needs. */
  private static final String STARTED =
      """
      SELECT g.user_id, g.model_id, g.prompt, u.language_code, m.name AS model_name, m.kind
      FROM generations g JOIN users u ON u.id = g.user_id JOIN models m ON m.id = g.model_id
      WHERE g.id = :id
      """;

  private record Started(
      long userId,
      String modelId,
      String prompt,
      String languageCode,
      String modelName,
      String kind) {}

  private final JdbcClient jdbc;
  private final Outbox outbox;
  private final boolean noticeStarted;

  private final Uploads uploads;

  Announcements(JdbcClient jdbc, Outbox outbox, NanogenProperties properties, Uploads uploads) {
    this.uploads = uploads;
    this.jdbc = jdbc;
    this.outbox = outbox;
    this.noticeStarted = properties.noticeStarted();
  }

  /**
   * A worker took the generation up (pending → processing): announced only with started notices on.
   */
  void started(UUID id, Instant now, String traceparent) {
    if (!noticeStarted) {
      return;
    }
    Started row = jdbc.sql(STARTED).param("id", id).query(Started.class).single();
    outbox.append(
        Topics.SETTLED,
        id,
        new GenerationProcessingStarted(
            UUID.randomUUID(),
            now,
            GenerationProcessingStarted.SCHEMA_VERSION,
            id,
            row.userId(),
            row.userId(),
            row.languageCode(),
            row.modelId(),
            row.modelName(),
            ModelKind.fromWire(row.kind()),
            row.prompt()),
        traceparent);
  }

  /** The generation ended as {@code ending}, its hold captured or released. */
  void settled(
      UUID id, GenerationTransitions.Finished row, Ending ending, Instant now, String traceparent) {
    outbox.append(
        Topics.SETTLED,
        id,
        new GenerationSettled(
            UUID.randomUUID(),
            now,
            GenerationSettled.SCHEMA_VERSION,
            id,
            row.userId(),
            row.userId(),
            row.languageCode(),
            ending.status(),
            row.modelId(),
            row.modelName(),
            ModelKind.fromWire(row.kind()),
            row.prompt(),
            ending.resultUrls() == null ? List.of() : ending.resultUrls(),
            ending.errorCode(),
            row.price(),
            row.firstInput() == null ? null : uploads.chatMessageOf(row.firstInput()).orElse(null)),
        traceparent);
  }
}
