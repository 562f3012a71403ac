package dev.nanogen.gateway.files;

import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.gateway.error.LimitExceeded;
import dev.nanogen.gateway.web.ClientThrottle;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;

/**
 * What one client address may do with /files: at most {@code downloadsPerClient} downloads under
 * way at once, and at most {@code missesPerMinute} names that do not exist (each a lookup) a
 * minute. Gauge {@code nanogen_files_downloads_active}: downloads under way on this replica.
 */
@Component
class Downloads {
  private final int perClient;
  private final ClientThrottle misses;
  private final ConcurrentHashMap<String, Integer> active = new ConcurrentHashMap<>();
  private final AtomicInteger total = new AtomicInteger();

  Downloads(FilesProperties settings, MeterRegistry meters) {
    this.perClient = settings.downloadsPerClient();
    this.misses = new ClientThrottle(settings.missesPerMinute(), Duration.ofMinutes(1));
    Gauge.builder("nanogen.files.downloads.active", total, AtomicInteger::get)
        .description("downloads of kept results under way on this replica")
        .register(meters);
  }

  /** Refuses {@code client} (429) while it has asked for too many unknown names this minute. */
  void checkMisses(String client) {
    if (misses.exhausted(client)) {
      throw new LimitExceeded(
          ErrorCode.RATE_LIMIT_EXCEEDED, misses.allowed(), misses.window().toSeconds());
    }
  }

  /** Counts a name of {@code client} that named no file. */
  void missed(String client) {
    misses.count(client);
  }

  /** Takes one of {@code client}'s download slots, or refuses (429); {@link #end} gives it back. */
  void begin(String client) {
    boolean[] taken = {false};
    active.compute(
        client,
        (c, count) -> {
          int now = count == null ? 0 : count;
          if (now >= perClient) {
            return count;
          }
          taken[0] = true;
          return now + 1;
        });
    if (!taken[0]) {
      throw new LimitExceeded(ErrorCode.RATE_LIMIT_EXCEEDED, perClient, 1);
    }
    total.incrementAndGet();
  }

  /** Gives back the slot {@link #begin} took. */
  void end(String client) {
    total.decrementAndGet();
    active.computeIfPresent(client, (c, count) -> count <= 1 ? null : count - 1);
  }
}
