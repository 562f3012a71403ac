package dev.nanogen.gateway.outbox;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * The in-process wake-up hint from a commit that wrote outbox rows to the relay. Only a hint: the
 * relay also polls, which stays the source of truth (and covers rows written by other replicas).
 */
@Component
class RelaySignal {
  private final Semaphore permits = new Semaphore(0);

  void wake() {
    if (permits.availablePermits() == 0) {
      permits.release();
    }
  }

  /** Waits for a wake-up or the timeout, whichever comes first. */
  void await(Duration timeout) throws InterruptedException {
    if (permits.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      permits.drainPermits();
    }
  }
}
