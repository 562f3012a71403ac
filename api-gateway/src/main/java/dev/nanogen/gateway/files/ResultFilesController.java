package dev.nanogen.gateway.files;

import dev.nanogen.ops.files.StoredFiles;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.CacheControl;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRange;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * {@code GET /files/{id}[.ext]}: a kept result ({@link StoredFiles}: every result a worker copied
 * from the provider, or received inline). No initData: Telegram and users' browsers fetch these
 * URLs themselves; the random id is the capability. An unknown or purged id answers 404 (an empty
 * body, not a problem: this is a file URL).
 *
 * <p>Streamed from wherever it is kept, never whole in the heap; a single {@code Range} is answered
 * 206 with that part (videos seek), an unsatisfiable one 416, several ranges the whole file. It is
 * served as the image or video it is, never as anything a browser would run: {@code nosniff}, a
 * content security policy that allows nothing, any type other than the known media types as an
 * attachment. Files never change, so caches may keep them.
 */
@RestController
class ResultFilesController {
  private static final Pattern NAME = Pattern.compile("([0-9a-fA-F-]{36})(\\.[a-z0-9]{2,4})?");
  private static final Set<String> MEDIA =
      Set.of("image/png", "image/jpeg", "image/webp", "image/gif", "video/mp4");

  private final StoredFiles stored;

  ResultFilesController(StoredFiles stored) {
    this.stored = stored;
  }

  @GetMapping("/files/{name}")
  @ApiResponse(
      responseCode = "200",
      description = "the file's bytes",
      content =
          @Content(
              mediaType = "application/octet-stream",
              schema = @Schema(type = "string", format = "binary")))
  @ApiResponse(
      responseCode = "206",
      description = "the part a single Range asked for",
      content =
          @Content(
              mediaType = "application/octet-stream",
              schema = @Schema(type = "string", format = "binary")))
  @ApiResponse(responseCode = "404", description = "no such file", content = @Content)
  @ApiResponse(responseCode = "416", description = "a Range past the end", content = @Content)
  ResponseEntity<StreamingResponseBody> file(
      @PathVariable String name, @RequestHeader HttpHeaders request) {
    Matcher matcher = NAME.matcher(name);
    Optional<StoredFiles.StoredFile> found =
        (matcher.matches() ? uuid(matcher.group(1)) : Optional.<UUID>empty()).flatMap(stored::find);
    if (found.isEmpty()) {
      return ResponseEntity.notFound().build();
    }
    StoredFiles.StoredFile file = found.get();
    long size = file.size();
    long from = 0;
    long length = size;
    HttpStatus status = HttpStatus.OK;
    List<HttpRange> ranges = ranges(request);
    if (ranges.size() == 1) {
      HttpRange range = ranges.getFirst();
      long start;
      long end;
      try {
        start = range.getRangeStart(size);
        end = range.getRangeEnd(size);
      } catch (IllegalArgumentException e) {
        start = size;
        end = size - 1;
      }
      if (start >= size || end < start) {
        return ResponseEntity.status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            .header(HttpHeaders.CONTENT_RANGE, "bytes */" + size)
            .build();
      }
      from = start;
      length = end - start + 1;
      status = HttpStatus.PARTIAL_CONTENT;
    }
    boolean media = MEDIA.contains(file.contentType());
    ContentDisposition disposition =
        (media ? ContentDisposition.inline() : ContentDisposition.attachment())
            .filename(name)
            .build();
    ResponseEntity.BodyBuilder answer =
        ResponseEntity.status(status)
            .contentType(
                media
                    ? MediaType.parseMediaType(file.contentType())
                    : MediaType.APPLICATION_OCTET_STREAM)
            .contentLength(length)
            .header(HttpHeaders.ACCEPT_RANGES, "bytes")
            .cacheControl(CacheControl.maxAge(Duration.ofDays(30)).cachePublic().immutable())
            .header("X-Content-Type-Options", "nosniff")
            .header("Content-Security-Policy", "default-src 'none'; sandbox")
            .header(HttpHeaders.CONTENT_DISPOSITION, disposition.toString());
    if (status == HttpStatus.PARTIAL_CONTENT) {
      answer.header(
          HttpHeaders.CONTENT_RANGE, "bytes " + from + "-" + (from + length - 1) + "/" + size);
    }
    long offset = from;
    long count = length;
    return answer.body(
        out -> {
          if (count > 0) {
            try (InputStream in = stored.open(file, offset, count)) {
              in.transferTo(out);
            }
          }
        });
  }

  /** The request's ranges; none when it has no Range header or one that does not parse. */
  private static List<HttpRange> ranges(HttpHeaders request) {
    try {
      return request.getRange();
    } catch (IllegalArgumentException e) {
      return List.of();
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
