package dev.nanogen.gateway.files;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param retention how long kept results are served ({@code NANOGEN_FILES_RETENTION}, the same
 *     setting the workers purge by): a generation's results expire this long after it completed
 * @param downloadsPerClient downloads one client address may have under way at once ({@code
 *     NANOGEN_FILES_DOWNLOADS_PER_CLIENT}); one more answers 429
 * @param missesPerMinute unknown file names one client address may ask for in a minute ({@code
 *     NANOGEN_FILES_MISSES_PER_MINUTE}); past it, 429 without a lookup
 * @param publicBaseUrl the gateway's public address ({@code NANOGEN_FILES_PUBLIC_BASE_URL}, the
 *     workers' setting of the same name): the provider fetches uploaded images under it
 */
@ConfigurationProperties("nanogen.files")
public record FilesProperties(
    @DefaultValue("30d") Duration retention,
    @DefaultValue("8") int downloadsPerClient,
    @DefaultValue("60") int missesPerMinute,
    @DefaultValue("http://127.0.0.1:8080") String publicBaseUrl) {

  public FilesProperties {
    if (downloadsPerClient < 1 || missesPerMinute < 1) {
      throw new IllegalArgumentException(
          "nanogen.files.downloads-per-client and misses-per-minute must be at least 1");
    }
  }
}
