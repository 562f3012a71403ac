package dev.nanogen.gateway.files;

import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.CacheControl;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * {@code GET /files/{id}[.ext]}: a result the provider answered inline (b64_json), stored by a
 * worker in {@code files.result_files}. No initData: Telegram fetches these URLs itself; the random
 * id is the capability. An unknown id answers 404 (an empty body, not a problem: this is a file
 * URL).
 *
 * <p>The file is streamed in {@link #CHUNK}-byte slices read one query at a time, so a large file
 * never sits whole in the heap; the workers store it uncompressed, so a slice is read without the
 * rest. It is served as the image or video it is, never as anything a browser would run: {@code
 * nosniff}, a content security policy that allows nothing, and any type other than the known media
 * types as an attachment.
 */
@RestController
class ResultFilesController {
  static final int CHUNK = 256 * 1024;
  private static final Pattern NAME = Pattern.compile("([0-9a-fA-F-]{36})(\\.[a-z0-9]{2,4})?");
  private static final Set<String> MEDIA =
      Set.of("image/png", "image/jpeg", "image/webp", "video/mp4");

  private static final String HEAD =
      "SELECT content_type, octet_length(content) AS size FROM files.result_files WHERE id = :id";
  private static final String SLICE =
      "SELECT substring(content FROM CAST(:from AS integer) FOR :length) FROM files.result_files WHERE id = :id";

  private record StoredFile(String contentType, long size) {}

  private final JdbcClient jdbc;

  ResultFilesController(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @GetMapping("/files/{name}")
  @ApiResponse(
      responseCode = "200",
      description = "the file's bytes",
      content =
          @Content(
              mediaType = "application/octet-stream",
              schema = @Schema(type = "string", format = "binary")))
  @ApiResponse(responseCode = "404", description = "no such file", content = @Content)
  ResponseEntity<StreamingResponseBody> file(@PathVariable String name) {
    Matcher matcher = NAME.matcher(name);
    Optional<UUID> id = matcher.matches() ? uuid(matcher.group(1)) : Optional.empty();
    Optional<StoredFile> file = id.flatMap(this::find);
    if (file.isEmpty()) {
      return ResponseEntity.notFound().build();
    }
    boolean media = MEDIA.contains(file.get().contentType());
    ContentDisposition disposition =
        (media ? ContentDisposition.inline() : ContentDisposition.attachment())
            .filename(name)
            .build();
    return ResponseEntity.ok()
        .contentType(
            media
                ? MediaType.parseMediaType(file.get().contentType())
                : MediaType.APPLICATION_OCTET_STREAM)
        .contentLength(file.get().size())
        .cacheControl(CacheControl.maxAge(Duration.ofDays(30)).cachePublic().immutable())
        .header("X-Content-Type-Options", "nosniff")
        .header("Content-Security-Policy", "default-src 'none'; sandbox")
        .header(HttpHeaders.CONTENT_DISPOSITION, disposition.toString())
        .body(
            out -> {
              for (long from = 0; from < file.get().size(); from += CHUNK) {
                byte[] slice =
                    jdbc.sql(SLICE)
                        .param("id", id.get())
                        .param("from", from + 1) // SQL substring counts from 1
                        .param("length", CHUNK)
                        .query(byte[].class)
                        .single();
                out.write(slice);
              }
            });
  }

  private Optional<StoredFile> find(UUID id) {
    try {
      return jdbc.sql(HEAD).param("id", id).query(StoredFile.class).optional();
    } catch (BadSqlGrammarException e) {
      // No worker has created the file store yet: nothing stored, nothing to serve.
      return Optional.empty();
    }
  }

  private static Optional<UUID> uuid(String text) {
    try {
      return Optional.of(UUID.fromString(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
