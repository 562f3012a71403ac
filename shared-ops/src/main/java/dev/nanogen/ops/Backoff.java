package dev.nanogen.ops;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;

/**
 * How long to wait before trying again: {@code first × multiplier^(n−1)} before the n-th retry, at
 * most {@code max}, spread evenly within ±{@code jitter} of that (so many clients that failed
 * together do not retry together). The one formula every retry loop of the services uses.
 *
 * @param jitter a fraction in [0, 1): 0.2 waits between 80 % and 120 % of the computed delay
 */
public record Backoff(Duration first, double multiplier, Duration max, double jitter) {

  public Backoff {
    if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
      throw new IllegalArgumentException("back-off needs 0 < first ≤ max: " + first + ", " + max);
    }
    if (multiplier < 1.0 || jitter < 0.0 || jitter >= 1.0) {
      throw new IllegalArgumentException(
          "back-off needs multiplier ≥ 1 and jitter in [0, 1): " + multiplier + ", " + jitter);
    }
  }

  /** Doubling from {@code first} up to {@code max}, without jitter. */
  public static Backoff doubling(Duration first, Duration max) {
    return new Backoff(first, 2.0, max, 0.0);
  }

  /** The same interval each time, spread by ±{@code jitter}. */
  public static Backoff steady(Duration interval, double jitter) {
    return new Backoff(interval, 1.0, interval, jitter);
  }

  public Backoff withJitter(double jitter) {
    return new Backoff(first, multiplier, max, jitter);
  }

  /**
   * The wait before retry {@code n} (1 for the first retry; anything below counts as 1), jittered.
   */
  public Duration delay(int n) {
    double millis = first.toMillis() * Math.pow(multiplier, Math.max(n, 1) - 1);
    double capped = Math.min(millis, max.toMillis());
    if (jitter > 0) {
      capped *= ThreadLocalRandom.current().nextDouble(1 - jitter, 1 + jitter);
    }
    return Duration.ofMillis(Math.round(capped));
  }

  /**
   * The wait after {@code previous}: {@code first} after none (zero), else the next step up to
   * {@code max} — for loops that keep the last wait rather than a count.
   */
  public Duration after(Duration previous) {
    if (previous.isZero() || previous.isNegative()) {
      return delay(1);
    }
    double next = Math.min(previous.toMillis() * multiplier, max.toMillis());
    return Duration.ofMillis(Math.round(next));
  }

  /**
   * As Spring's {@link BackOff} (Kafka listeners' error handlers): retries until {@code
   * giveUpAfter} of summed waits have passed; never when {@code giveUpAfter} is null.
   */
  public BackOff untilElapsed(Duration giveUpAfter) {
    return () ->
        new BackOffExecution() {
          private int retries;
          private long waited;

          @Override
          public long nextBackOff() {
            long wait = delay(++retries).toMillis();
            if (giveUpAfter != null && waited + wait > giveUpAfter.toMillis()) {
              return STOP;
            }
            waited += wait;
            return wait;
          }
        };
  }
}
