package dev.nanogen.worker.job;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * Raised when the process begins to stop (SIGTERM); generations watch it between polls. Lowered
 * again when the jobs start again (a lifecycle restarted, as Spring's test contexts are when paused
 * and resumed).
 */
@Component
class StopSignal {
  private volatile CountDownLatch stopping = new CountDownLatch(1);

  void raise() {
    stopping.countDown();
  }

  void lower() {
    if (raised()) {
      stopping = new CountDownLatch(1);
    }
  }

  boolean raised() {
    return stopping.getCount() == 0;
  }

  /**
   * Sleeps {@code duration}, or less when the signal is raised meanwhile; answers {@link
   * #raised()}.
   */
  boolean pause(Duration duration) throws InterruptedException {
    return stopping.await(duration.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Ends the run ({@link Halt.Stopping}) when the signal is raised. */
  void check() {
    if (raised()) {
      throw new Halt.Stopping();
    }
  }

  /** Waits {@code duration}; ends the run ({@link Halt.Stopping}) when the signal rises first. */
  void sleep(Duration duration) {
    try {
      if (pause(duration)) {
        throw new Halt.Stopping();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Halt.Stopping();
    }
  }
}
