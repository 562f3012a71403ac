package dev.nanogen.gateway.files;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param retention how long kept results are served ({@code NANOGEN_FILES_RETENTION}, the same
 *     setting the workers purge by): a generation's results expire this long after it completed
 */
@ConfigurationProperties("nanogen.files")
public record FilesProperties(@DefaultValue("30d") Duration retention) {}
