package dev.nanogen.gateway.uploads;

import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.LimitExceeded;
import dev.nanogen.gateway.tx.Pipeline;
import dev.nanogen.gateway.web.Cursor;
import dev.nanogen.ops.SingletonJobs;
import dev.nanogen.ops.files.StoredFiles;
import io.swagger.v3.oas.annotations.media.Schema;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The images users uploaded (the {@code uploads} table's owner; the bytes are in {@link
 * StoredFiles}). An upload is usable by its owner until it expires or they delete it; its bytes
 * stay while a generation that was started with it is still pending or processing, and the hourly
 * housekeeping deletes them after that.
 */
@Component
public class Uploads {
  private static final Logger log = LoggerFactory.getLogger(Uploads.class);

  private static final String COLUMNS =
      "id AS upload_id, content_type, width, height, bytes, source, created_at, expires_at";

  private static final String INSERT =
      """
      INSERT INTO uploads (id, user_id, file_id, content_type, width, height, bytes, source, caption,
                           chat_message_id, created_at, expires_at)
      VALUES (:id, :userId, :fileId, :type, :width, :height, :bytes, :source, :caption, :message,
              :now, :expires)
      """;

  /** One lock per user for the day's count: the two statements after it see every upload. */
  private static final String LOCK_USER = "SELECT 1 FROM pg_advisory_xact_lock(:key)";

  private static final String DAY =
      """
      SELECT count(*) AS count, min(created_at) AS oldest FROM uploads
      WHERE user_id = :userId AND created_at > :since
      """;

  private static final String VISIBLE =
      "user_id = :userId AND deleted_at IS NULL AND expires_at > :now AND file_id IS NOT NULL";

  private static final String PAGE =
      "SELECT "
          + COLUMNS
          + " FROM uploads WHERE "
          + VISIBLE
          + """
           AND (CAST(:afterTime AS timestamptz) IS NULL
                OR (created_at, id) < (CAST(:afterTime AS timestamptz), CAST(:afterId AS uuid)))
          ORDER BY created_at DESC, id DESC LIMIT :limit
          """;

  private static final String ONE =
      "SELECT " + COLUMNS + " FROM uploads WHERE id = :id AND " + VISIBLE;

  private static final String DELETE =
      "UPDATE uploads SET deleted_at = :now WHERE id = :id AND " + VISIBLE;

  /**
   * Locked in share mode by a start: the housekeeping skips them until it commits, and then sees
   * the generation that uses them.
   */
  private static final String USABLE =
      "SELECT id FROM uploads WHERE id IN (:ids) AND " + VISIBLE + " FOR SHARE";

  private static final String FILE_OF =
      "SELECT file_id FROM uploads WHERE id = :id AND file_id IS NOT NULL";

  /**
   * Reads generations (their owner's table) in the one statement that decides whether an upload's
   * bytes may go: a running generation started with it still needs them.
   */
  private static final String TO_CLEAR =
      """
      SELECT u.id, u.file_id FROM uploads u
      WHERE u.file_id IS NOT NULL AND (u.expires_at <= :now OR u.deleted_at IS NOT NULL)
        AND NOT EXISTS (SELECT 1 FROM generations g
                        WHERE g.user_id = u.user_id AND g.status IN ('pending', 'processing')
                          AND u.id = ANY (g.input_ids))
      LIMIT :limit FOR UPDATE OF u SKIP LOCKED
      """;

  /** What the API answers for an upload. */
  @Schema(name = "Upload")
  public record View(
      UUID uploadId,
      @Schema(allowableValues = {"image/jpeg", "image/png", "image/webp"}) String contentType,
      int width,
      int height,
      long bytes,
      @Schema(
              allowableValues = {"app", "bot"},
              description = "where it came from: the Mini App, or a photo sent to the bot")
          String source,
      Instant createdAt,
      Instant expiresAt) {
    View(
        UUID id,
        String contentType,
        int width,
        int height,
        long bytes,
        String source,
        Timestamp createdAt,
        Timestamp expiresAt) {
      this(
          id,
          contentType,
          width,
          height,
          bytes,
          source,
          createdAt.toInstant(),
          expiresAt.toInstant());
    }
  }

  private record Day(long count, Timestamp oldest) {}

  private record Clearable(UUID id, UUID fileId) {}

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final StoredFiles stored;
  private final Clock clock;
  private final UploadProperties settings;
  private final SingletonJobs singletons;

  Uploads(
      JdbcClient jdbc,
      TransactionTemplate tx,
      StoredFiles stored,
      Clock clock,
      UploadProperties settings,
      SingletonJobs singletons) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.stored = stored;
    this.clock = clock;
    this.settings = settings;
    this.singletons = singletons;
  }

  /** A new upload's row; its bytes are already kept as {@code fileId}. */
  record New(
      long userId,
      UUID fileId,
      ImageFile.Probe probe,
      long bytes,
      String source,
      String caption,
      Long chatMessageId,
      Instant now) {}

  /**
   * Takes the user's upload slot for the day, or throws 429 RATE_LIMIT_EXCEEDED (with the seconds
   * until the oldest upload of the day leaves the window). Holds the user's upload lock until the
   * caller's transaction ends.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  void checkDay(long userId, Instant now) {
    jdbc.sql(LOCK_USER).param("key", lockKey(userId)).query(Integer.class).single();
    Day day =
        jdbc.sql(DAY)
            .param("userId", userId)
            .param("since", Timestamp.from(now.minus(Duration.ofDays(1))))
            .query(Day.class)
            .single();
    if (day.count() >= settings.perDay()) {
      Instant free = day.oldest().toInstant().plus(Duration.ofDays(1));
      throw new LimitExceeded(
          ErrorCode.RATE_LIMIT_EXCEEDED,
          settings.perDay(),
          Math.max(1, Duration.between(now, free).toSeconds()));
    }
  }

  @Transactional(propagation = Propagation.MANDATORY)
  View add(New upload) {
    UUID id = UUID.randomUUID();
    Instant now = upload.now().truncatedTo(ChronoUnit.MICROS);
    Instant expires = now.plus(settings.retention());
    jdbc.sql(INSERT)
        .param("id", id)
        .param("userId", upload.userId())
        .param("fileId", upload.fileId())
        .param("type", upload.probe().contentType())
        .param("width", upload.probe().width())
        .param("height", upload.probe().height())
        .param("bytes", upload.bytes())
        .param("source", upload.source())
        .param("caption", upload.caption())
        .param("message", upload.chatMessageId())
        .param("now", Timestamp.from(now))
        .param("expires", Timestamp.from(expires))
        .update();
    return new View(
        id,
        upload.probe().contentType(),
        upload.probe().width(),
        upload.probe().height(),
        upload.bytes(),
        upload.source(),
        now,
        expires);
  }

  /** The user's usable uploads, newest first: {@code limit + 1} rows, to tell a last page. */
  public List<View> page(long userId, Cursor after, int limit) {
    return jdbc.sql(PAGE)
        .param("userId", userId)
        .param("now", Timestamp.from(clock.instant()))
        .param("afterTime", after == null ? null : Timestamp.from(after.instant()))
        .param("afterId", after == null ? null : after.uuid())
        .param("limit", limit + 1)
        .query(View.class)
        .list();
  }

  /** The user's upload, if it is still usable. */
  public Optional<View> find(long userId, UUID id) {
    return jdbc.sql(ONE)
        .param("id", id)
        .param("userId", userId)
        .param("now", Timestamp.from(clock.instant()))
        .query(View.class)
        .optional();
  }

  /** The caption a photo sent to the bot came with, if any. */
  public Optional<String> caption(long userId, UUID id) {
    return jdbc.sql("SELECT caption FROM uploads WHERE id = :id AND user_id = :userId")
        .param("id", id)
        .param("userId", userId)
        .query(String.class)
        .optional();
  }

  /** Deletes the user's upload (generations already started keep theirs); else 404. */
  void delete(long userId, UUID id) {
    int deleted =
        jdbc.sql(DELETE)
            .param("id", id)
            .param("userId", userId)
            .param("now", Timestamp.from(clock.instant()))
            .update();
    if (deleted == 0) {
      throw notFound(id);
    }
  }

  /**
   * Checks, once {@code p} is sent, that every id names a usable upload of the user, and keeps them
   * from the housekeeping until the caller's transaction ends; else (at {@code get}) 404
   * UPLOAD_NOT_FOUND naming the first that does not.
   */
  public Pipeline.Result<List<UUID>> use(Pipeline p, long userId, List<UUID> ids, Instant now) {
    if (ids.isEmpty()) {
      return Pipeline.Result.of(ids);
    }
    return p.query(
            USABLE,
            new MapSqlParameterSource("ids", ids)
                .addValue("userId", userId)
                .addValue("now", Timestamp.from(now)),
            (rs, n) -> rs.getObject(1, UUID.class))
        .map(
            found -> {
              var usable = new HashSet<>(found);
              for (UUID id : ids) {
                if (!usable.contains(id)) {
                  throw notFound(id);
                }
              }
              return ids;
            });
  }

  /** The chat message a photo sent to the bot came in; empty for one from the Mini App. */
  public Optional<Long> chatMessageOf(UUID id) {
    return jdbc.sql(
            "SELECT chat_message_id FROM uploads WHERE id = :id AND chat_message_id IS NOT NULL")
        .param("id", id)
        .query(Long.class)
        .optional();
  }

  /**
   * An upload's bytes in the file store, while they are kept (a deleted upload's until they go).
   */
  public Optional<StoredFiles.StoredFile> keptFile(UUID id) {
    return jdbc.sql(FILE_OF)
        .param("id", id)
        .query(UUID.class)
        .optional()
        .flatMap(stored::findUpload);
  }

  public static AppError notFound(UUID id) {
    return new AppError(ErrorCode.UPLOAD_NOT_FOUND, "no usable upload with id " + id);
  }

  @Scheduled(fixedDelay = 1, initialDelay = 1, timeUnit = TimeUnit.HOURS)
  void scheduledHousekeeping() {
    // Once per interval over all replicas: the others find the lock taken and skip.
    singletons.run("gateway-uploads-housekeeping", Duration.ofMinutes(50), this::housekeeping);
  }

  /**
   * Deletes the bytes of expired and deleted uploads no running generation uses, then the rows of
   * expired ones; answers how many files were deleted (hourly, and by tests).
   */
  public int housekeeping() {
    int cleared = 0;
    int batch;
    do {
      Integer done = tx.execute(status -> clearBatch(100));
      batch = done == null ? 0 : done;
      cleared += batch;
    } while (batch == 100);
    int rows =
        jdbc.sql("DELETE FROM uploads WHERE file_id IS NULL AND expires_at <= :now")
            .param("now", Timestamp.from(clock.instant()))
            .update();
    if (cleared + rows > 0) {
      log.info("uploads: {} files deleted, {} expired rows removed", cleared, rows);
    }
    return cleared;
  }

  private int clearBatch(int limit) {
    List<Clearable> due =
        jdbc.sql(TO_CLEAR)
            .param("now", Timestamp.from(clock.instant()))
            .param("limit", limit)
            .query(Clearable.class)
            .list();
    for (Clearable upload : due) {
      stored.deleteUpload(upload.fileId());
      jdbc.sql("UPDATE uploads SET file_id = NULL WHERE id = :id")
          .param("id", upload.id())
          .update();
    }
    return due.size();
  }

  /** The advisory lock of one user's uploads: the id in a key space of its own. */
  private static long lockKey(long userId) {
    return userId ^ 0x5550_4C4F_0000_0000L;
  }
}
