package dev.nanogen.gateway.uploads;

import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.Problems;
import dev.nanogen.gateway.files.FileResponses;
import dev.nanogen.ops.files.StoredFiles;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.Optional;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * {@code GET /files/inputs/{id}.{ext}?expires=&signature=}: an uploaded image, for the provider
 * that runs a generation started with it. Only a URL {@link InputUrls} signed, before its expiry,
 * finds the file; anything else (another id, a changed expiry, a late fetch) answers 404 like a
 * file that does not exist. A deleted upload is still served while its bytes are kept for a running
 * generation. Never cached by a shared cache.
 */
@Tag(name = "Files")
@RestController
class InputFilesController {
  private static final CacheControl PRIVATE = CacheControl.noStore();

  private final InputUrls urls;
  private final Uploads uploads;
  private final FileResponses responses;
  private final Clock clock;

  InputFilesController(InputUrls urls, Uploads uploads, FileResponses responses, Clock clock) {
    this.urls = urls;
    this.uploads = uploads;
    this.responses = responses;
    this.clock = clock;
  }

  @Operation(
      operationId = "getInputFile",
      description =
          "An uploaded image at the signed URL a generation's provider was given; 404 without a valid signature or "
              + "after its expiry.")
  @GetMapping("/files/inputs/{name}")
  @ApiResponse(
      responseCode = "200",
      description = "the image's bytes",
      content =
          @Content(
              mediaType = "application/octet-stream",
              schema = @Schema(type = "string", format = "binary")))
  @ApiResponse(responseCode = "404", description = "no such file", content = @Content)
  @Problems({ErrorCode.RATE_LIMIT_EXCEEDED})
  ResponseEntity<StreamingResponseBody> input(
      @PathVariable String name,
      @RequestParam(required = false) Long expires,
      @RequestParam(required = false) String signature,
      @RequestHeader HttpHeaders request,
      HttpServletRequest servlet) {
    String client = servlet.getRemoteAddr();
    responses.checkMisses(client);
    Optional<StoredFiles.StoredFile> file =
        FileResponses.id(name)
            .flatMap(id -> urls.verified(id, expires, signature, clock.instant()))
            .flatMap(uploads::keptFile);
    return responses.get(file, name, request, client, PRIVATE);
  }
}
