package dev.nanogen.gateway.uploads;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * @param maxBytes the largest accepted image ({@code NANOGEN_UPLOAD_MAX_BYTES}); a photo sent to
 *     the bot is taken up to the same size
 * @param retention how long an upload is kept ({@code NANOGEN_UPLOAD_RETENTION}); then its bytes
 *     are deleted, unless a generation still running uses it. At least a day, so that the day's
 *     count of uploads sees every upload of the day
 * @param perDay uploads one user may make in a rolling day, deleted ones included; one more answers
 *     429
 * @param maxPixels the most pixels an image may have (by its header, before anything is decoded)
 */
@ConfigurationProperties("nanogen.upload")
public record UploadProperties(
    @DefaultValue("10MB") DataSize maxBytes,
    @DefaultValue("7d") Duration retention,
    @DefaultValue("50") int perDay,
    @DefaultValue("40000000") long maxPixels) {

  public UploadProperties {
    if (maxBytes.toBytes() < 1 || perDay < 1 || maxPixels < 1) {
      throw new IllegalArgumentException(
          "NANOGEN_UPLOAD_MAX_BYTES, nanogen.upload.per-day and max-pixels must be positive");
    }
    if (retention.compareTo(Duration.ofDays(1)) < 0) {
      throw new IllegalArgumentException("NANOGEN_UPLOAD_RETENTION must be at least 1d");
    }
  }
}
