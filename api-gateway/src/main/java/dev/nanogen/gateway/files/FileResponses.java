package dev.nanogen.gateway.files;

import dev.nanogen.ops.files.StoredFiles;
import java.io.InputStream;
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
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * How a kept file is answered, wherever its URL is ({@code /files/<id>} for results, the signed
 * input URLs for uploads): streamed from its store, never whole in the heap; a single {@code Range}
 * answered 206 with that part (videos seek), an unsatisfiable one 416, several ranges the whole
 * file; served as the image or video it is, never as anything a browser would run ({@code nosniff},
 * a content security policy that allows nothing, any type but the known media types as an
 * attachment). A client address has at most {@code nanogen.files.downloads-per-client} downloads
 * under way ({@link Downloads}), and a name that finds nothing counts against its misses.
 */
@Component
public class FileResponses {
  private static final Pattern NAME = Pattern.compile("([0-9a-fA-F-]{36})(\\.[a-z0-9]{2,4})?");
  private static final Set<String> MEDIA =
      Set.of("image/png", "image/jpeg", "image/webp", "image/gif", "video/mp4");

  private final StoredFiles stored;
  private final Downloads downloads;

  FileResponses(StoredFiles stored, Downloads downloads) {
    this.stored = stored;
    this.downloads = downloads;
  }

  /** The id a file name ({@code <uuid>[.ext]}) carries, if it has one. */
  public static Optional<UUID> id(String name) {
    Matcher matcher = NAME.matcher(name);
    return matcher.matches() ? uuid(matcher.group(1)) : Optional.empty();
  }

  /**
   * The GET answer for {@code file} (404 with an empty body when there is none: these are file
   * URLs, not API calls), cached as {@code cache} says.
   */
  public ResponseEntity<StreamingResponseBody> get(
      Optional<StoredFiles.StoredFile> file,
      String name,
      HttpHeaders request,
      String client,
      CacheControl cache) {
    Answer answer = answer(file, name, request, client, cache);
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

  /** The HEAD answer: the headers from the file's row, no bytes read. */
  public ResponseEntity<Void> head(
      Optional<StoredFiles.StoredFile> file,
      String name,
      HttpHeaders request,
      String client,
      CacheControl cache) {
    return answer(file, name, request, client, cache).headers().build();
  }

  /** Refuses a client past its misses (429) before any lookup. */
  public void checkMisses(String client) {
    downloads.checkMisses(client);
  }

  /** The part of a file a GET sends: {@code count} bytes from {@code offset}. */
  private record Part(StoredFiles.StoredFile file, long offset, long count) {}

  /** The status and headers of the answer, and the part to send (null when no bytes follow). */
  private record Answer(ResponseEntity.BodyBuilder headers, Part body) {}

  private Answer answer(
      Optional<StoredFiles.StoredFile> found,
      String name,
      HttpHeaders request,
      String client,
      CacheControl cache) {
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
            .cacheControl(cache)
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
