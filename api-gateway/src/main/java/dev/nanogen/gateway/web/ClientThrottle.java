package dev.nanogen.gateway.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts events (failed attempts, lookups of names that do not exist) per client address in windows
 * of {@link #window}: {@link #count} answers whether the address is still within {@code allowed}
 * for the window. Kept in memory per replica (a client spread over replicas gets each replica's
 * allowance), bounded in size.
 */
public final class ClientThrottle {
  private final int allowed;
  private final Duration window;
  private final Cache<String, AtomicInteger> counts;

  public ClientThrottle(int allowed, Duration window) {
    this.allowed = allowed;
    this.window = window;
    this.counts = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(window).build();
  }

  /** Counts one event of {@code client}; true while it is within the allowance. */
  public boolean count(String client) {
    return counts.get(client, c -> new AtomicInteger()).incrementAndGet() <= allowed;
  }

  /** True when {@code client} has used up its allowance for the window, without counting. */
  public boolean exhausted(String client) {
    AtomicInteger count = counts.getIfPresent(client);
    return count != null && count.get() >= allowed;
  }

  public int allowed() {
    return allowed;
  }

  public Duration window() {
    return window;
  }
}
