package dev.nanogen.gateway.uploads;

import dev.nanogen.gateway.auth.CurrentUser;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.Problems;
import dev.nanogen.gateway.files.FileResponses;
import dev.nanogen.gateway.web.Cursor;
import dev.nanogen.ops.files.StoredFiles;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.Nullable;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.boot.servlet.MultipartConfigFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.unit.DataSize;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/** The caller's uploaded images: add one, list them, delete one. */
@Tag(name = "Uploads")
@RestController
class UploadsController {
  /** Room for the multipart body's boundaries and part headers beside the file itself. */
  static final DataSize PART_HEADERS = DataSize.ofKilobytes(64);

  private final AcceptUpload accept;
  private final Uploads uploads;
  private final FileResponses responses;

  UploadsController(AcceptUpload accept, Uploads uploads, FileResponses responses) {
    this.accept = accept;
    this.uploads = uploads;
    this.responses = responses;
  }

  /**
   * The container's multipart settings, from the upload cap: a file part is never held in memory
   * past 256 KiB, and a body past the cap is refused while it is read.
   */
  @Bean
  static MultipartConfigElement multipartConfigElement(UploadProperties settings) {
    MultipartConfigFactory factory = new MultipartConfigFactory();
    factory.setMaxFileSize(settings.maxBytes());
    factory.setMaxRequestSize(
        DataSize.ofBytes(settings.maxBytes().toBytes() + PART_HEADERS.toBytes()));
    factory.setFileSizeThreshold(DataSize.ofKilobytes(256));
    return factory.createMultipartConfig();
  }

  @Schema(name = "UploadPage")
  record Page(List<Uploads.View> items, @Nullable String nextCursor) {}

  @Problems({
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.PAYLOAD_TOO_LARGE,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ErrorCode.RATE_LIMIT_EXCEEDED
  })
  @Operation(
      operationId = "createUpload",
      summary = "Upload an image",
      description =
          "multipart/form-data with one part, file: a JPEG, PNG or WebP image, recognised by its content (not its name "
              + "or declared type), at most NANOGEN_UPLOAD_MAX_BYTES and 40 megapixels by its header. Location "
              + "metadata is removed before it is kept. At most 50 uploads a user in a rolling day (429 past it).")
  @PostMapping(path = "/api/uploads", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  Uploads.View create(CurrentUser user, @RequestPart("file") MultipartFile file) {
    try (InputStream in = file.getInputStream()) {
      return accept.accept(user.id(), in, AcceptUpload.Source.APP, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Problems({ErrorCode.VALIDATION_ERROR})
  @Operation(
      operationId = "listUploads",
      description =
          "The caller's uploads still usable (not deleted, not expired), from the Mini App and photos sent to the "
              + "bot, newest first.")
  @GetMapping("/api/uploads")
  Page list(
      CurrentUser user,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    int size = Cursor.limit(limit);
    List<Uploads.View> rows = uploads.page(user.id(), Cursor.decode(cursor), size);
    if (rows.size() <= size) {
      return new Page(rows, null);
    }
    Uploads.View last = rows.get(size - 1);
    return new Page(
        rows.subList(0, size), Cursor.after(last.createdAt(), last.uploadId()).encode());
  }

  @Problems({ErrorCode.VALIDATION_ERROR, ErrorCode.UPLOAD_NOT_FOUND})
  @Operation(
      operationId = "getUploadFile",
      description =
          "The caller's own upload, as kept (location removed), for a preview; never cached by a shared cache.")
  @ApiResponse(
      responseCode = "200",
      description = "the image's bytes",
      content =
          @Content(
              mediaType = "application/octet-stream",
              schema = @Schema(type = "string", format = "binary")))
  @GetMapping("/api/uploads/{id}/file")
  ResponseEntity<StreamingResponseBody> file(
      CurrentUser user,
      @PathVariable UUID id,
      @RequestHeader HttpHeaders request,
      HttpServletRequest servlet) {
    Uploads.View upload = uploads.find(user.id(), id).orElseThrow(() -> Uploads.notFound(id));
    Optional<StoredFiles.StoredFile> file = uploads.keptFile(id);
    if (file.isEmpty()) {
      throw Uploads.notFound(id);
    }
    return responses.get(
        file,
        id + InputUrls.extension(upload.contentType()),
        request,
        servlet.getRemoteAddr(),
        CacheControl.noStore().cachePrivate());
  }

  @Problems({ErrorCode.VALIDATION_ERROR, ErrorCode.UPLOAD_NOT_FOUND})
  @Operation(
      operationId = "deleteUpload",
      description =
          "Deletes the caller's upload: it is no longer listed or usable in a start. Generations already started "
              + "with it keep working.")
  @DeleteMapping("/api/uploads/{id}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(CurrentUser user, @PathVariable UUID id) {
    uploads.delete(user.id(), id);
  }
}
