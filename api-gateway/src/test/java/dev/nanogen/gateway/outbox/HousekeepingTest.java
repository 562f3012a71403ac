package dev.nanogen.gateway.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.gateway.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class HousekeepingTest extends IntegrationTest {
  @Autowired OutboxHousekeeping housekeeping;

  @Test
  void published_outbox_rows_are_deleted_after_their_retention_and_pending_ones_never() {
    jdbc.sql(
            """
        INSERT INTO outbox (topic, message_key, event_type, payload, created_at)
        VALUES ('t', 'old-published', 'X', '{}', now() - interval '8 days'),
               ('t', 'recent-published', 'X', '{}', now()),
               ('t', 'old-blocked', 'X', '{}', now() - interval '30 days'),
               ('t', 'old-pending', 'X', '{}', now() - interval '8 days')
        """)
        .update();
    jdbc.sql(
            """
        INSERT INTO outbox_pending (id, available_at, blocked)
        SELECT id, now(), message_key = 'old-blocked' FROM outbox
        WHERE topic = 't' AND message_key IN ('old-blocked', 'old-pending')
        """)
        .update();

    housekeeping.purge();

    assertThat(
            jdbc.sql("SELECT message_key FROM outbox WHERE topic = 't' ORDER BY id")
                .query(String.class)
                .list())
        .containsExactly("recent-published", "old-blocked", "old-pending");
  }
}
