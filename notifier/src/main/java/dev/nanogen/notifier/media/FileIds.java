package dev.nanogen.notifier.media;

import dev.nanogen.notifier.telegram.TelegramBotApi.FileMethod;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Telegram's file_id of each file the bot has sent, by source URL, with the method it was sent as
 * (a document's file_id cannot be sent as a photo): a repeat needs no upload and no download.
 */
@Repository
public class FileIds {
  private final JdbcClient jdbc;

  /** A file Telegram already has. */
  public record Known(FileMethod method, String fileId) {}

  FileIds(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  public Optional<Known> of(String sourceUrl) {
    return jdbc.sql("SELECT method, file_id FROM media_files WHERE source_url = :url")
        .param("url", sourceUrl)
        .query(
            (rs, n) ->
                new Known(FileMethod.valueOf(rs.getString("method")), rs.getString("file_id")))
        .optional();
  }

  public void remember(String sourceUrl, FileMethod method, String fileId) {
    if (fileId == null) {
      return;
    }
    jdbc.sql(
            """
            INSERT INTO media_files (source_url, method, file_id, created_at)
            VALUES (:url, :method, :fileId, now())
            ON CONFLICT (source_url) DO UPDATE SET method = EXCLUDED.method, file_id = EXCLUDED.file_id
            """)
        .param("url", sourceUrl)
        .param("method", method.name())
        .param("fileId", fileId)
        .update();
  }
}
