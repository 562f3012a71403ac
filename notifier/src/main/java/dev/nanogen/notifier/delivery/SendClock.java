package dev.nanogen.notifier.delivery;

import dev.nanogen.notifier.config.NotifierProperties;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The global pace of sending, shared by every notifier replica through one row: each message
 * reserves the next free slot, {@code (1 s + jitter-allowance) / rate} after the previous one, and
 * is sent no earlier than its slot. However many replicas run, the bot starts at most {@code rate}
 * messages in any second, even as Telegram counts them with each arrival up to the allowance off.
 * Waits are computed on the database's clock, so replicas' clocks need not agree.
 *
 * <p>A sender woken late (a busy machine) must not then go out together with the senders of the
 * next slots: within a replica the starts pass a gate one at a time (see {@link #gated}), each one
 * slot after the previous, so lateness pushes the following sends back instead of bunching them.
 * The calls themselves overlap: a send Telegram answers slowly (a large file fetched by URL) holds
 * its own chat and one of the replica's {@code max-in-flight}, never the other chats.
 */
@Component
class SendClock {
  private final JdbcClient jdbc;
  private final double slotSeconds;
  private final long slotNanos;
  private final ReentrantLock gate = new ReentrantLock();
  private long nextLocal = System.nanoTime();

  SendClock(JdbcClient jdbc, NotifierProperties properties) {
    this.jdbc = jdbc;
    NotifierProperties.Delivery delivery = properties.delivery();
    this.slotSeconds =
        (1.0 + delivery.jitterAllowance().toNanos() / 1e9) / delivery.ratePerSecond();
    this.slotNanos = (long) (slotSeconds * 1e9);
  }

  /** One Bot API call. */
  interface Call<T> {
    T run();
  }

  /**
   * Makes {@code call} (worth {@code messages} messages) once its shared slots have come and this
   * replica's previous call has been answered, and no sooner than one slot after that call went.
   */
  <T> T paced(int messages, Call<T> call) throws InterruptedException {
    sleep(reserve(messages));
    return gated(messages, call);
  }

  /** Reserves {@code messages} consecutive shared slots; answers how long until the first. */
  Duration reserve(int messages) {
    double step = slotSeconds * messages;
    double wait =
        jdbc.sql(
                """
                UPDATE send_clock SET next_slot = greatest(next_slot, clock_timestamp()) + make_interval(secs => :step)
                WHERE id = 1
                RETURNING extract(epoch FROM next_slot - clock_timestamp()) - :step
                """)
            .param("step", step)
            .query(Double.class)
            .single();
    return wait <= 0 ? Duration.ZERO : Duration.ofNanos((long) (wait * 1e9));
  }

  /**
   * Starts one call at a time per replica, each one slot after the previous one started; the call
   * then runs while the next ones start. Telegram counts a request when it has it, so the requests
   * it counts in any second started within that second plus the allowance: at most {@code rate}.
   */
  private <T> T gated(int messages, Call<T> call) throws InterruptedException {
    gate.lock();
    try {
      long now = System.nanoTime();
      while (now < nextLocal) {
        Thread.sleep(Duration.ofNanos(nextLocal - now));
        now = System.nanoTime();
      }
      nextLocal = now + slotNanos * messages;
    } finally {
      gate.unlock();
    }
    return call.run();
  }

  private static void sleep(Duration wait) throws InterruptedException {
    if (!wait.isZero()) {
      Thread.sleep(wait);
    }
  }
}
