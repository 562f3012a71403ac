package dev.nanogen.worker.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every setting of the worker under {@code nanogen.*}; environment variables bind by relaxed
 * rules ({@code NANOGEN_AIML_BASE_URL} is {@code nanogen.aiml.base-url}).
 *
 * @param aiml how to reach the AIML API
 * @param kafka topic layout
 */
@ConfigurationProperties("nanogen")
public record WorkerProperties(@DefaultValue Aiml aiml, @DefaultValue Kafka kafka) {

  /**
   * @param baseUrl AIML API base
   * @param apiKey Bearer key; without one every call is refused by the provider (PROVIDER_AUTH)
   * @param connectTimeout TCP connect time-out of each call
   * @param imageTimeout response time-out of a synchronous image call
   * @param pollTimeout response time-out of a submission or a video status poll
   * @param pollInterval time between two polls of a video task (jittered by ±20 %)
   * @param retryInitialInterval first back-off after a retryable failure (429, 5xx, network)
   * @param retryMaxInterval longest back-off between two tries
   */
  public record Aiml(
      @DefaultValue("https://api.aimlapi.com") String baseUrl,
      String apiKey,
      @DefaultValue("5s") Duration connectTimeout,
      @DefaultValue("180s") Duration imageTimeout,
      @DefaultValue("30s") Duration pollTimeout,
      @DefaultValue("5s") Duration pollInterval,
      @DefaultValue("1s") Duration retryInitialInterval,
      @DefaultValue("30s") Duration retryMaxInterval) {}

  /**
   * @param partitions partitions of the topics created at start
   * @param replicas replication factor of created topics
   */
  public record Kafka(@DefaultValue("12") int partitions, @DefaultValue("1") short replicas) {}
}
