package dev.nanogen.gateway.config;

import dev.nanogen.ops.AdminTokens;
import dev.nanogen.ops.KafkaTopics;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every setting of the gateway under {@code nanogen.*}, with its default. Environment variables
 * bind by Spring's relaxed rules: {@code NANOGEN_TELEGRAM_BOT_TOKEN} is {@code
 * nanogen.telegram.bot-token}.
 *
 * @param telegram the bot whose token signs initData
 * @param auth how initData is accepted
 * @param signupBonus credits granted (a GRANT ledger row) on a user's first sign-in
 * @param adminToken Bearer token for /api/admin/**; blank turns the admin API off
 * @param limits per-user limits on starts
 * @param outbox the relay from the outbox table to Kafka
 * @param kafka topic layout
 * @param sweeper recovery of generations that stall or pass their deadline
 * @param noticeStarted announce GenerationProcessingStarted when a worker takes a generation up, so
 *     that the notifier tells the user it began (NANOGEN_NOTICE_STARTED; off: one message per
 *     generation)
 * @param cors browsers allowed to call /api/** from other origins
 * @param miniAppUrl the Mini App's URL, opened by the button of the bot's /start answer (none: a
 *     plain text answer)
 * @param outcomes the consumers of the workers' outcomes
 * @param housekeeping the purges of rows past their retention (idempotency keys, processed events,
 *     published outbox rows, expired invoices)
 * @param reconcile the money check over the whole ledger
 */
@ConfigurationProperties("nanogen")
public record NanogenProperties(
    @DefaultValue Telegram telegram,
    @DefaultValue Auth auth,
    @DefaultValue("0") long signupBonus,
    String adminToken,
    @DefaultValue Limits limits,
    @DefaultValue Outbox outbox,
    @DefaultValue @NestedConfigurationProperty KafkaTopics kafka,
    @DefaultValue Sweeper sweeper,
    @DefaultValue("false") boolean noticeStarted,
    String miniAppUrl,
    @DefaultValue Cors cors,
    @DefaultValue Outcomes outcomes,
    @DefaultValue Housekeeping housekeeping,
    @DefaultValue Reconcile reconcile) {

  /**
   * This record's bean, for SpEL in annotations ({@code @Scheduled}, {@code @KafkaListener}) that
   * take a setting: {@code "#{" + SETTINGS + ".sweeper().interval()}"}.
   */
  public static final String SETTINGS = "@'nanogen-dev.nanogen.gateway.config.NanogenProperties'";

  public NanogenProperties {
    if (signupBonus < 0) {
      throw new IllegalArgumentException("NANOGEN_SIGNUP_BONUS must be zero or more");
    }
    AdminTokens.require(adminToken);
    miniAppUrl = miniAppUrl == null || miniAppUrl.isBlank() ? null : miniAppUrl;
  }

  /**
   * @param botToken the bot token (required): signs initData, and calls the Bot API's payment
   *     methods
   * @param apiBaseUrl the Bot API's base URL
   * @param timeout connect and read timeout of one Bot API call (a pre-checkout answer must reach
   *     Telegram within its 10 s)
   * @param webhookSecret the secret token Telegram sends with every update; blank turns the webhook
   *     off
   * @param webhookUrl the webhook's public URL, registered with setWebhook at start when set
   */
  public record Telegram(
      String botToken,
      @DefaultValue("https://api.telegram.org") String apiBaseUrl,
      @DefaultValue("5s") Duration timeout,
      String webhookSecret,
      String webhookUrl) {
    private static final java.util.regex.Pattern SECRET =
        java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,256}");

    public Telegram {
      if (botToken == null || botToken.isBlank()) {
        throw new IllegalStateException(
            "NANOGEN_TELEGRAM_BOT_TOKEN is required: set it to the bot's token");
      }
      webhookSecret = webhookSecret == null || webhookSecret.isBlank() ? null : webhookSecret;
      webhookUrl = webhookUrl == null || webhookUrl.isBlank() ? null : webhookUrl;
      if (webhookSecret != null && !SECRET.matcher(webhookSecret).matches()) {
        throw new IllegalStateException(
            "NANOGEN_TELEGRAM_WEBHOOK_SECRET must be 1 to 256 of A-Z a-z 0-9 _ -");
      }
      if (webhookUrl != null && webhookSecret == null) {
        throw new IllegalStateException(
            "NANOGEN_TELEGRAM_WEBHOOK_URL is set without NANOGEN_TELEGRAM_WEBHOOK_SECRET: set the secret too");
      }
    }

    public boolean webhookOn() {
      return webhookSecret != null;
    }
  }

  /**
   * @param origins origins (scheme://host[:port]) whose pages may call /api/**
   *     (NANOGEN_CORS_ORIGINS, comma-separated; none by default)
   * @param maxAge how long a browser may keep a preflight's answer
   */
  public record Cors(List<String> origins, @DefaultValue("10m") Duration maxAge) {
    public Cors {
      origins =
          origins == null
              ? List.of()
              : origins.stream().map(String::strip).filter(o -> !o.isEmpty()).toList();
      for (String origin : origins) {
        if (origin.equals("*") || !origin.matches("https?://[^/\\s]+")) {
          throw new IllegalStateException(
              "NANOGEN_CORS_ORIGINS must list origins like https://app.example.com (no paths, no *): "
                  + origin);
        }
      }
    }
  }

  /**
   * @param maxAge the oldest initData auth_date accepted
   */
  public record Auth(@DefaultValue("24h") Duration maxAge) {}

  /**
   * @param maxActive generations pending or processing at once, per user
   * @param maxActivePremium the same for premium users
   * @param startsPerWindow starts per rolling window, per user
   * @param startsPerWindowPremium the same for premium users
   * @param window the rolling window of the start rate limit
   * @param requestsPerPeriod authenticated API calls one user may make per {@code requestPeriod},
   *     whatever they are (429 RATE_LIMIT_EXCEEDED beyond), so that no user can hold the connection
   *     pool
   * @param requestPeriod the period of that budget
   */
  public record Limits(
      @DefaultValue("5") int maxActive,
      @DefaultValue("10") int maxActivePremium,
      @DefaultValue("10") int startsPerWindow,
      @DefaultValue("30") int startsPerWindowPremium,
      @DefaultValue("60s") Duration window,
      @DefaultValue("60") int requestsPerPeriod,
      @DefaultValue("10s") Duration requestPeriod) {}

  /**
   * @param batchSize rows claimed per relay round
   * @param pollInterval how long an idle relay sleeps when no commit wakes it
   * @param maxAttempts failed sends of one row before it is parked (BLOCKED)
   * @param sendTimeout how long the relay waits for the broker's acknowledgement
   * @param retention how long published rows are kept before they are deleted
   * @param enabled whether this replica runs a relay
   * @param threads relay loops in this replica; they claim disjoint batches. One follows the
   *     commits; the others join only while rounds come back full (a backlog), so that under a
   *     steady load rounds stay large and a backlog still keeps the producer busy while another
   *     loop is in the database
   */
  public record Outbox(
      @DefaultValue("1000") int batchSize,
      @DefaultValue("500ms") Duration pollInterval,
      @DefaultValue("10") int maxAttempts,
      @DefaultValue("10s") Duration sendTimeout,
      @DefaultValue("7d") Duration retention,
      @DefaultValue("true") boolean enabled,
      @DefaultValue("2") int threads) {}

  /**
   * @param concurrency consumers of the outcomes topic in one gateway (at most its partitions):
   *     each record is a transaction of a few statements, so this path is bound by round trips
   */
  public record Outcomes(@DefaultValue("6") int concurrency) {}

  /**
   * @param interval how often each purge runs (once across replicas)
   */
  public record Housekeeping(@DefaultValue("10m") Duration interval) {}

  /**
   * @param interval how often the money check runs (once across replicas)
   * @param initialDelay how long after start the first check runs
   */
  public record Reconcile(
      @DefaultValue("10m") Duration interval, @DefaultValue("1m") Duration initialDelay) {}

  /**
   * @param interval time between two sweeps
   * @param pendingStall a pending generation not started this long after its last dispatch has its
   *     request published again (its worker may have died before starting it)
   * @param processingStall a processing generation not finished this long after its last dispatch
   *     gets a resume (the request again, with its provider task id), so a live worker polls on
   * @param batchSize generations handled per rule and sweep
   * @param claimFreshFor a worker's claim read later than this after the broker took it (the
   *     gateway was frozen, down or lagging) is not answered: its worker may have died meanwhile; a
   *     live worker repeats its claim and the fresh copy is answered
   */
  public record Sweeper(
      @DefaultValue("15s") Duration interval,
      @DefaultValue("3m") Duration pendingStall,
      @DefaultValue("5m") Duration processingStall,
      @DefaultValue("200") int batchSize,
      @DefaultValue("10s") Duration claimFreshFor) {}
}
