package dev.nanogen.gateway.files;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /files/{id}[.ext]}: a result the provider answered inline (b64_json), stored by a worker
 * in {@code files.result_files}. No initData: Telegram fetches these URLs itself; the random id is
 * the capability. An unknown id answers 404 (an empty body, not a problem: this is a file URL).
 */
@RestController
class ResultFilesController {
  private static final Pattern NAME = Pattern.compile("([0-9a-fA-F-]{36})(\\.[a-z]{2,4})?");

  private record StoredFile(String contentType, byte[] content) {}

  private final JdbcClient jdbc;

  ResultFilesController(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @GetMapping("/files/{name}")
  ResponseEntity<byte[]> file(@PathVariable String name) {
    return find(name)
        .map(file -> ResponseEntity.ok()
            .contentType(MediaType.parseMediaType(file.contentType()))
            .cacheControl(CacheControl.maxAge(Duration.ofDays(30)).cachePublic().immutable())
            .body(file.content()))
        .orElseGet(() -> ResponseEntity.notFound().build());
  }

  private Optional<StoredFile> find(String name) {
    Matcher matcher = NAME.matcher(name);
    if (!matcher.matches()) {
      return Optional.empty();
    }
    UUID id;
    try {
      id = UUID.fromString(matcher.group(1));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    try {
      return jdbc.sql("SELECT content_type, content FROM files.result_files WHERE id = :id")
          .param("id", id)
          .query(StoredFile.class)
          .optional();
    } catch (BadSqlGrammarException e) {
      // No worker has created the file store yet: nothing stored, nothing to serve.
      return Optional.empty();
    }
  }
}
