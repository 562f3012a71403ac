package dev.nanogen.worker.routing;

import dev.nanogen.ops.Backoff;
import dev.nanogen.worker.aiml.ProviderError;
import dev.nanogen.worker.config.WorkerProperties;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * Which provider failures are tried again, and how: retryable {@link ProviderError}s (429, 5xx,
 * network, time-outs) with exponential back-off and jitter, as long as the generation's deadline
 * allows another try; final ones (400/401/403/404, bad answers) at once. Built on Resilience4j.
 */
@Component
class RetryPolicy {
  private final Clock clock;
  private final IntervalFunction backoff;

  RetryPolicy(Clock clock, WorkerProperties properties) {
    this.clock = clock;
    WorkerProperties.Aiml aiml = properties.aiml();
    Backoff backoff = new Backoff(aiml.retryInitialInterval(), 2.0, aiml.retryMaxInterval(), 0.5);
    this.backoff = attempt -> backoff.delay(attempt).toMillis();
  }

  /** Runs {@code call}, retrying retryable failures until {@code deadline}. */
  <T> T call(String name, Instant deadline, Supplier<T> call) {
    RetryConfig config =
        RetryConfig.custom()
            .maxAttempts(Integer.MAX_VALUE)
            .intervalFunction(backoff)
            .retryOnException(
                e ->
                    e instanceof ProviderError p
                        && p.retryable()
                        && clock.instant().isBefore(deadline))
            .failAfterMaxAttempts(false)
            .build();
    return Retry.of(name, config).executeSupplier(call);
  }
}
