package dev.nanogen.notifier.delivery;

import dev.nanogen.notifier.config.NotifierProperties;
import java.time.Duration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The global pace of sending, shared by every notifier replica through one row: each message
 * reserves the next free slot, {@code 1 / rate} seconds after the previous one, and is sent no
 * earlier than its slot. However many replicas run, the bot sends at most {@code rate} messages in
 * any second. Waits are computed on the database's clock, so replicas' clocks need not agree.
 */
@Component
class SendClock {
  private final JdbcClient jdbc;
  private final double slotSeconds;

  SendClock(JdbcClient jdbc, NotifierProperties properties) {
    this.jdbc = jdbc;
    this.slotSeconds = 1.0 / properties.delivery().ratePerSecond();
  }

  /** Reserves {@code messages} consecutive slots; answers how long to wait until the first. */
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
}
