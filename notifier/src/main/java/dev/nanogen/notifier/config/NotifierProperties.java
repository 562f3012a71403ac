package dev.nanogen.notifier.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every setting of the notifier under {@code nanogen.*}.
 *
 * @param telegram the bot and the Bot API it talks to
 * @param kafka topic layout
 */
@ConfigurationProperties("nanogen")
public record NotifierProperties(@DefaultValue Telegram telegram, @DefaultValue Kafka kafka) {

  /**
   * @param botToken the bot token (required)
   * @param apiBaseUrl Bot API base
   * @param timeout response time-out of one Bot API call
   */
  public record Telegram(
      String botToken,
      @DefaultValue("https://api.telegram.org") String apiBaseUrl,
      @DefaultValue("30s") Duration timeout) {
    public Telegram {
      if (botToken == null || botToken.isBlank()) {
        throw new IllegalStateException(
            "NANOGEN_TELEGRAM_BOT_TOKEN is required: set it to the bot's token");
      }
    }
  }

  /**
   * @param partitions partitions of the topics created at start
   * @param replicas replication factor of created topics
   */
  public record Kafka(@DefaultValue("12") int partitions, @DefaultValue("1") short replicas) {}
}
