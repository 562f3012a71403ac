package dev.nanogen.worker.files;

import dev.nanogen.worker.aiml.ProviderError;
import dev.nanogen.worker.config.WorkerProperties;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps results the provider answered inline (b64_json) in PostgreSQL ({@code files.result_files})
 * and names the gateway URL that serves each; purges them after the retention period.
 */
@Component
public class ResultFiles {
  private static final Logger log = LoggerFactory.getLogger(ResultFiles.class);

  private final JdbcClient jdbc;
  private final Clock clock;
  private final WorkerProperties.Files settings;

  ResultFiles(JdbcClient jdbc, Clock clock, WorkerProperties properties) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.settings = properties.files();
  }

  /**
   * Stores one result and answers its public URL.
   *
   * @throws ProviderError PROVIDER_BAD_RESULT when the result is over {@code
   *     nanogen.files.max-bytes}
   */
  public String store(UUID generationId, byte[] content) {
    if (content.length > settings.maxBytes()) {
      throw ProviderError.badResult(
          "an inline result of "
              + content.length
              + " bytes is over the limit of "
              + settings.maxBytes());
    }
    UUID id = UUID.randomUUID();
    String type = contentType(content);
    jdbc.sql(
            """
            INSERT INTO result_files (id, generation_id, content_type, content, created_at)
            VALUES (:id, :generation, :type, :content, :now)
            """)
        .param("id", id)
        .param("generation", generationId)
        .param("type", type)
        .param("content", content)
        .param("now", Timestamp.from(clock.instant()))
        .update();
    return settings.publicBaseUrl().replaceAll("/+$", "") + "/files/" + id + extension(type);
  }

  @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
  void purge() {
    int purged =
        jdbc.sql("DELETE FROM result_files WHERE created_at < :before")
            .param("before", Timestamp.from(clock.instant().minus(settings.retention())))
            .update();
    if (purged > 0) {
      log.info("purged {} result files older than {}", purged, settings.retention());
    }
  }

  /** By the file's own first bytes: what the provider sends is PNG, JPEG or WebP. */
  static String contentType(byte[] content) {
    if (startsWith(content, 0, 0x89, 'P', 'N', 'G')) {
      return "image/png";
    }
    if (startsWith(content, 0, 0xFF, 0xD8, 0xFF)) {
      return "image/jpeg";
    }
    if (startsWith(content, 0, 'R', 'I', 'F', 'F') && startsWith(content, 8, 'W', 'E', 'B', 'P')) {
      return "image/webp";
    }
    return "application/octet-stream";
  }

  private static String extension(String type) {
    return switch (type) {
      case "image/png" -> ".png";
      case "image/jpeg" -> ".jpg";
      case "image/webp" -> ".webp";
      default -> "";
    };
  }

  private static boolean startsWith(byte[] content, int offset, int... magic) {
    if (content.length < offset + magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((content[offset + i] & 0xFF) != magic[i]) {
        return false;
      }
    }
    return true;
  }
}
