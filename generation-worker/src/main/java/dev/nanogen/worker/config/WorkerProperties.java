package dev.nanogen.worker.config;

import dev.nanogen.ops.KafkaTopics;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every setting of the worker under {@code nanogen.*}; environment variables bind by relaxed rules
 * ({@code NANOGEN_AIML_BASE_URL} is {@code nanogen.aiml.base-url}).
 *
 * @param aiml how to reach the AIML API
 * @param kafka topic layout
 * @param worker how many generations run at once, and how the worker stops
 * @param breaker when a model's circuit opens
 * @param files where kept results are served from, for how long, and how large one may be
 * @param fetch which result URLs are accepted from the provider
 * @param lease how this worker keeps the generations it holds
 * @param providers provider routes in priority order ({@code NANOGEN_PROVIDERS_0_NAME}, {@code
 *     _BASE_URL}, {@code _API_KEY}, …); when set they replace the single {@code aiml} route
 */
@ConfigurationProperties("nanogen")
public record WorkerProperties(
    @DefaultValue Aiml aiml,
    @DefaultValue @NestedConfigurationProperty KafkaTopics kafka,
    @DefaultValue Worker worker,
    @DefaultValue Breaker breaker,
    @DefaultValue Files files,
    @DefaultValue Fetch fetch,
    @DefaultValue Lease lease,
    List<Provider> providers) {

  /** This record's bean, for SpEL in annotations that take a setting. */
  public static final String SETTINGS = "@'nanogen-dev.nanogen.worker.config.WorkerProperties'";

  public WorkerProperties {
    if (worker.shutdownGrace().compareTo(aiml.imageTimeout()) <= 0) {
      throw new IllegalArgumentException(
          "nanogen.worker.shutdown-grace ("
              + worker.shutdownGrace()
              + ") must be longer than nanogen.aiml.image-timeout ("
              + aiml.imageTimeout()
              + "): a stopping worker waits for the image calls it sent");
    }
  }

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
   * @param maxInFlight generations this process runs at once, all models together (memory bound)
   * @param modelMaxInFlight generations of one model all workers together run at once (the AIML
   *     quota is global), unless {@code modelLimits} names that model; each worker takes this
   *     divided by the workers holding a lease, at least one
   * @param modelLimits per catalog model id, its own global cap ({@code
   *     nanogen.worker.model-limits.veo-3=50})
   * @param admissionWait how long the consumer waits for a free slot before it leaves the request
   *     in Kafka and pauses that partition for a moment
   * @param shutdownGrace on SIGTERM: how long the provider calls already sent may run on (no new
   *     work is taken, and what was not sent is handed back at once); longer than {@code
   *     aiml.image-timeout}, so an image call sent is answered or timed out within it (a call still
   *     unanswered then fails TIMEOUT, its hold released: it is never submitted again); the
   *     Kubernetes {@code terminationGracePeriodSeconds} must exceed it
   * @param claimWait how long a generation waits for the gateway's answer to its claim before it
   *     claims again (an answer can be missed while this worker's claims consumer joins)
   * @param shareGroup how requests are taken: {@code auto} (the default) through the Kafka share
   *     group (KIP-932: any number of workers share the partitions, records acquired and
   *     acknowledged one by one) when the cluster has share groups, else through a consumer group
   *     (at most one consumer per partition), said at start in a log line and the gauge {@code
   *     nanogen.worker.request.path}; {@code on}: the share group, and a cluster without it stops
   *     the worker at start; {@code off}: the consumer group
   * @param fullHold on the share group: how long a request acquired while every slot is taken is
   *     held (its acquisition lock renewed) waiting for a slot before it is released to the others
   * @param concurrency request consumers in one worker process: admitting is quick and the
   *     generations run elsewhere; in the consumer group a partition belongs to one consumer only
   */
  public record Worker(
      @DefaultValue("5000") int maxInFlight,
      @DefaultValue("1000") int modelMaxInFlight,
      Map<String, Integer> modelLimits,
      @DefaultValue("500ms") Duration admissionWait,
      @DefaultValue("200s") Duration shutdownGrace,
      @DefaultValue("3s") Duration claimWait,
      @DefaultValue("auto") ShareGroup shareGroup,
      @DefaultValue("10s") Duration fullHold,
      @DefaultValue("3") int concurrency) {

    public int capOf(String modelId) {
      return modelLimits == null
          ? modelMaxInFlight
          : modelLimits.getOrDefault(modelId, modelMaxInFlight);
    }
  }

  /** Whether requests come through the share group ({@code true}/{@code false} read as on/off). */
  public enum ShareGroup {
    AUTO,
    ON,
    OFF
  }

  /**
   * One provider route: an AIML-compatible API and its key, for every model or the ones listed.
   *
   * @param name the route's name in metrics, logs and a generation's record (unique)
   * @param baseUrl the API's base URL
   * @param apiKey its Bearer key
   * @param priority lower is tried first; routes of one priority share the traffic by {@code
   *     weight} (default: the route's position in the list)
   * @param weight its share among routes of its priority
   * @param costPerResult what one result costs here (in the unit the admin stats report), used when
   *     the provider's answer does not say
   * @param models the catalog model ids it serves; none: every model
   * @param modelIds per catalog model id, the provider's model id on this route when it differs
   *     from the catalog's
   */
  public record Provider(
      String name,
      String baseUrl,
      String apiKey,
      Integer priority,
      @DefaultValue("1") int weight,
      @DefaultValue("0") BigDecimal costPerResult,
      List<String> models,
      Map<String, String> modelIds) {
    public Provider {
      if (name != null && name.contains("/")) {
        throw new IllegalArgumentException(
            "nanogen.providers[n].name "
                + name
                + " must not contain '/' (it names circuits <route>/<model>)");
      }
      if (name == null || name.isBlank() || baseUrl == null || baseUrl.isBlank()) {
        throw new IllegalArgumentException(
            "every nanogen.providers[n] needs a name and a base-url (NANOGEN_PROVIDERS_<n>_NAME, _BASE_URL)");
      }
      if (weight < 1) {
        throw new IllegalArgumentException(
            "nanogen.providers[n].weight of " + name + " must be at least 1");
      }
    }
  }

  /**
   * Per model, over the last {@code window} calls: at {@code failureRate} percent or more of
   * provider failures (5xx, network, time-outs; not 429, not 4xx) and at least {@code minimumCalls}
   * calls, the model's circuit opens for {@code openFor}; then {@code halfOpenCalls} trial calls
   * decide whether it closes.
   *
   * @param failureRate percent of failed calls in the window that opens the circuit
   * @param minimumCalls calls in the window before the rate counts
   * @param window the last calls the rate is taken over
   * @param openFor how long an open circuit refuses calls before trial calls
   * @param halfOpenCalls trial calls that decide whether the circuit closes again
   */
  public record Breaker(
      @DefaultValue("50") float failureRate,
      @DefaultValue("20") int window,
      @DefaultValue("10") int minimumCalls,
      @DefaultValue("30s") Duration openFor,
      @DefaultValue("3") int halfOpenCalls) {}

  /**
   * @param publicBaseUrl the gateway's public address: kept results are served at {@code
   *     <publicBaseUrl>/files/<id>.<ext>} (Telegram and users' browsers fetch them there)
   * @param retention how long a kept result is served; then it is purged
   * @param maxBytes the largest result kept; a larger one fails the generation
   *     (PROVIDER_BAD_RESULT), releasing its hold
   * @param copy keep every result (the default); false passes the provider's URLs through, only to
   *     measure what keeping costs
   */
  public record Files(
      @DefaultValue("http://127.0.0.1:8080") String publicBaseUrl,
      @DefaultValue("30d") Duration retention,
      @DefaultValue("100000000") long maxBytes,
      @DefaultValue("true") boolean copy) {}

  /**
   * @param allowPrivate also accept {@code http} result URLs and loopback or private hosts ({@code
   *     NANOGEN_FETCH_ALLOW_PRIVATE}; local stacks and tests only)
   */
  public record Fetch(@DefaultValue("false") boolean allowPrivate) {}

  /**
   * The worker's lease on the generations it holds: a heartbeat every {@code renewEvery} keeps them
   * for {@code duration} from the gateway's reading of it. When the heartbeats stop (a crash), the
   * gateway's sweeper resumes this worker's videos elsewhere once the lease has run out.
   *
   * @param duration how long one heartbeat keeps the lease (several renewals: a late one is no
   *     loss)
   * @param renewEvery time between two heartbeats
   */
  public record Lease(
      @DefaultValue("20s") Duration duration, @DefaultValue("5s") Duration renewEvery) {
    public Lease {
      if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException(
            "nanogen.lease.duration (" + duration + ") must be at least 1s");
      }
      if (renewEvery.compareTo(duration.dividedBy(2)) > 0) {
        throw new IllegalArgumentException(
            "nanogen.lease.renew-every ("
                + renewEvery
                + ") must be at most half of nanogen.lease.duration ("
                + duration
                + ")");
      }
    }
  }
}
