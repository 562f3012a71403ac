package dev.nanogen.gateway.files;

import dev.nanogen.ops.files.StoredFiles;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
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
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
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
 *
 * <p>{@code HEAD} answers the headers from the file's row, reading no bytes. The bytes are written
 * on a virtual thread of their own ({@code web.AsyncConfig}), so slow readers hold no shared pool;
 * a download has no overall time-out, only the connector's idle one (a write that makes no progress
 * for {@code server.tomcat.connection-timeout} ends it). A client address has at most {@code
 * nanogen.files.downloads-per-client} downloads under way ({@link Downloads}).
 */
@Tag(name = "Files")
@RestController
class ResultFilesController {
  private static final Pattern NAME = Pattern.compile("([0-9a-fA-F-]{36})(\\.[a-z0-9]{2,4})?");
  private static final Set<String> MEDIA =
      Set.of("image/png", "image/jpeg", "image/webp", "image/gif", "video/mp4");

  private final StoredFiles stored;
  private final Downloads downloads;

  ResultFilesController(StoredFiles stored, Downloads downloads) {
    this.stored = stored;
    this.downloads = downloads;
  }

  @Operation(operationId = "getResultFile")
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
  @dev.nanogen.gateway.error.Problems({dev.nanogen.gateway.error.ErrorCode.RATE_LIMIT_EXCEEDED})
  ResponseEntity<StreamingResponseBody> file(
      @PathVariable String name,
      @RequestHeader HttpHeaders request,
      jakarta.servlet.http.HttpServletRequest servlet) {
    String client = servlet.getRemoteAddr();
    Answer answer = answer(name, request, client);
    if (answer.body() == null) {
      return answer.headers().build();
    }
    downloads.begin(client);
    Part part = answer.body();
    return answer
        .headers()
        .body(
            out -> {
              try (InputStream in = stored.open(part.file(), part.offset(), part.count())) {
                in.transferTo(out);
              } finally {
                downloads.end(client);
              }
            });
  }

  @Operation(operationId = "getResultFileHeaders")
  @RequestMapping(path = "/files/{name}", method = RequestMethod.HEAD)
  @ApiResponse(responseCode = "200", description = "the file's headers", content = @Content)
  @ApiResponse(responseCode = "404", description = "no such file", content = @Content)
  ResponseEntity<Void> head(
      @PathVariable String name,
      @RequestHeader HttpHeaders request,
      jakarta.servlet.http.HttpServletRequest servlet) {
    return answer(name, request, servlet.getRemoteAddr()).headers().build();
  }

  /** The part of a file a GET sends: {@code count} bytes from {@code offset}. */
  private record Part(StoredFiles.StoredFile file, long offset, long count) {}

  /** The status and headers of the answer, and the part to send (null when no bytes follow). */
  private record Answer(ResponseEntity.BodyBuilder headers, Part body) {}

  private Answer answer(String name, HttpHeaders request, String client) {
    downloads.checkMisses(client);
    Matcher matcher = NAME.matcher(name);
    Optional<StoredFiles.StoredFile> found =
        (matcher.matches() ? uuid(matcher.group(1)) : Optional.<UUID>empty()).flatMap(stored::find);
    if (found.isEmpty()) {
      downloads.missed(client);
      return new Answer(ResponseEntity.status(HttpStatus.NOT_FOUND), null);
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
        return new Answer(
            ResponseEntity.status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                .header(HttpHeaders.CONTENT_RANGE, "bytes */" + size),
            null);
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
    return new Answer(answer, length > 0 ? new Part(file, from, length) : null);
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
