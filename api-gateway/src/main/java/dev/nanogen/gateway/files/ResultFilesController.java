package dev.nanogen.gateway.files;

import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.Problems;
import dev.nanogen.ops.files.StoredFiles;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.Optional;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
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
 * from the provider, or received inline), answered by {@link FileResponses}. No initData: Telegram
 * and users' browsers fetch these URLs themselves; the random id is the capability. An unknown or
 * purged id, or an upload's, answers 404. Results never change, so caches may keep them.
 *
 * <p>The bytes are written on a virtual thread of their own ({@code web.AsyncConfig}), so slow
 * readers hold no shared pool; a download has no overall time-out, only the connector's idle one (a
 * write that makes no progress for {@code server.tomcat.connection-timeout} ends it).
 */
@Tag(name = "Files")
@RestController
class ResultFilesController {
  private static final CacheControl KEPT =
      CacheControl.maxAge(Duration.ofDays(30)).cachePublic().immutable();

  private final StoredFiles stored;
  private final FileResponses responses;

  ResultFilesController(StoredFiles stored, FileResponses responses) {
    this.stored = stored;
    this.responses = responses;
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
  @Problems({ErrorCode.RATE_LIMIT_EXCEEDED})
  ResponseEntity<StreamingResponseBody> file(
      @PathVariable String name, @RequestHeader HttpHeaders request, HttpServletRequest servlet) {
    String client = servlet.getRemoteAddr();
    return responses.get(find(name, client), name, request, client, KEPT);
  }

  @Operation(operationId = "getResultFileHeaders")
  @RequestMapping(path = "/files/{name}", method = RequestMethod.HEAD)
  @ApiResponse(responseCode = "200", description = "the file's headers", content = @Content)
  @ApiResponse(responseCode = "404", description = "no such file", content = @Content)
  ResponseEntity<Void> head(
      @PathVariable String name, @RequestHeader HttpHeaders request, HttpServletRequest servlet) {
    String client = servlet.getRemoteAddr();
    return responses.head(find(name, client), name, request, client, KEPT);
  }

  private Optional<StoredFiles.StoredFile> find(String name, String client) {
    responses.checkMisses(client);
    return FileResponses.id(name).flatMap(stored::find);
  }
}
