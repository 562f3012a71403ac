package dev.nanogen.worker.job;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/** Raised once, when the process begins to stop (SIGTERM); generations watch it between polls. */
@Component
class StopSignal {
  private final CountDownLatch stopping = new CountDownLatch(1);

  void raise() {
    stopping.countDown();
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
}
