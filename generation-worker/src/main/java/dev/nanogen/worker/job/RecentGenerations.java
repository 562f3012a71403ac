package dev.nanogen.worker.job;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The generations this worker process is running or recently finished, so a duplicate request (a
 * redelivery, or the sweeper's re-dispatch while this worker still polls) is not run twice here.
 * Across processes, duplicates are harmless for money (the gateway applies one outcome) and a
 * resume carries the provider task id, so it polls instead of submitting again.
 */
@Component
class RecentGenerations {
  static final int REMEMBERED = 50_000;

  private final Set<UUID> running = new HashSet<>();
  private final Map<UUID, Boolean> finished =
      new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
          return size() > REMEMBERED;
        }
      };

  /** False when the generation is already running here or finished here recently. */
  synchronized boolean begin(UUID id) {
    if (running.contains(id) || finished.containsKey(id)) {
      return false;
    }
    running.add(id);
    return true;
  }

  /** Ends a run; {@code outcomePublished} remembers it as finished. */
  synchronized void end(UUID id, boolean outcomePublished) {
    running.remove(id);
    if (outcomePublished) {
      finished.put(id, Boolean.TRUE);
    }
  }
}
