package dev.nanogen.notifier.config;

import dev.nanogen.ops.AdminTokens;
import dev.nanogen.ops.KafkaTopics;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Every setting of the notifier under {@code nanogen.*}.
 *
 * @param telegram the bot and the Bot API it talks to
 * @param kafka topic layout
 * @param delivery pacing and retrying of messages
 * @param media how results are handed to Telegram by size
 * @param adminToken Bearer token of /api/admin/** (NANOGEN_ADMIN_TOKEN); none: admin API off
 * @param fetch which result URLs it hands on or downloads
 * @param notifier the consumers of settled results
 */
@ConfigurationProperties("nanogen")
public record NotifierProperties(
    @DefaultValue Telegram telegram,
    @DefaultValue @NestedConfigurationProperty KafkaTopics kafka,
    @DefaultValue Delivery delivery,
    @DefaultValue Media media,
    String adminToken,
    @DefaultValue Fetch fetch,
    @DefaultValue Notifier notifier) {

  /** This record's bean, for SpEL in annotations that take a setting. */
  public static final String SETTINGS = "@'nanogen-dev.nanogen.notifier.config.NotifierProperties'";

  /**
   * @param concurrency consumers of the settled topic in one notifier (they only record deliveries;
   *     sending is the dispatcher's)
   */
  public record Notifier(@DefaultValue("2") int concurrency) {}

  /**
   * @param allowPrivate also accept {@code http} result URLs and loopback or private hosts ({@code
   *     NANOGEN_FETCH_ALLOW_PRIVATE}; local stacks and tests only)
   */
  public record Fetch(@DefaultValue("false") boolean allowPrivate) {}

  public NotifierProperties {
    AdminTokens.require(adminToken);
  }

  /**
   * @param botToken the bot token (required)
   * @param apiBaseUrl Bot API base
   * @param timeout response time-out of one Bot API call
   * @param uploadTimeout time-out of a call that uploads a file
   */
  public record Telegram(
      String botToken,
      @DefaultValue("https://api.telegram.org") String apiBaseUrl,
      @DefaultValue("30s") Duration timeout,
      @DefaultValue("2m") Duration uploadTimeout) {
    public Telegram {
      if (botToken == null || botToken.isBlank()) {
        throw new IllegalStateException(
            "NANOGEN_TELEGRAM_BOT_TOKEN is required: set it to the bot's token");
      }
    }
  }

  /**
   * @param ratePerSecond messages per second across every replica (Telegram: about 30); one shared
   *     send clock in PostgreSQL enforces it, so it is not divided by the replica count
   * @param jitterAllowance how much earlier or later than sent Telegram may see a message (a busy
   *     machine, the network): slots are {@code (1 s + allowance) / rate} apart, so that any second
   *     as Telegram counts it still holds at most {@code rate} messages; at least one slot (35 ms
   *     at 30/s), since a replica starts its calls one slot apart
   * @param perChatInterval least time between two messages to one chat (Telegram: 1 per second)
   * @param maxInFlight messages one replica has claimed and not yet finished
   * @param pollInterval how often an idle dispatcher looks for due messages (a new notice wakes it)
   * @param lease how long a claimed chat stays reserved without renewal; a replica killed mid-send
   *     frees it then
   * @param leaseRenewEvery how often a replica renews the reservation of the chats its messages are
   *     on their way to (at most half the lease)
   * @param firstRetry back-off after the first 5xx or network failure, doubled per attempt
   * @param maxRetryInterval the longest back-off
   * @param maxRetryAge after this long without success a message is parked for an admin
   * @param retention finished rows older than this are deleted
   * @param purgeInterval how often finished rows are purged (once across replicas)
   */
  public record Delivery(
      @DefaultValue("30") double ratePerSecond,
      @DefaultValue("35ms") Duration jitterAllowance,
      @DefaultValue("1s") Duration perChatInterval,
      @DefaultValue("64") int maxInFlight,
      @DefaultValue("100ms") Duration pollInterval,
      @DefaultValue("20s") Duration lease,
      @DefaultValue("5s") Duration leaseRenewEvery,
      @DefaultValue("2s") Duration firstRetry,
      @DefaultValue("10m") Duration maxRetryInterval,
      @DefaultValue("6h") Duration maxRetryAge,
      @DefaultValue("7d") Duration retention,
      @DefaultValue("1h") Duration purgeInterval) {
    public Delivery {
      if (ratePerSecond <= 0 || maxInFlight < 1) {
        throw new IllegalStateException(
            "nanogen.delivery.rate-per-second and max-in-flight must be positive");
      }
      if (leaseRenewEvery.compareTo(lease.dividedBy(2)) > 0) {
        throw new IllegalStateException(
            "nanogen.delivery.lease-renew-every must be at most half of nanogen.delivery.lease");
      }
    }
  }

  /**
   * Telegram's limits on files (Bot API documentation): by URL a photo up to 5 MB, anything else up
   * to 20 MB; an upload up to 50 MB. Larger results are sent as a link.
   *
   * @param photoByUrl largest photo sent by URL as a photo (larger: as a document)
   * @param fileByUrl largest other file sent by URL (larger: downloaded and uploaded)
   * @param upload largest upload (larger: a link)
   * @param probeTimeout time-out of the HEAD request that learns a file's size
   */
  public record Media(
      @DefaultValue("5MB") DataSize photoByUrl,
      @DefaultValue("20MB") DataSize fileByUrl,
      @DefaultValue("50MB") DataSize upload,
      @DefaultValue("5s") Duration probeTimeout) {}
}
