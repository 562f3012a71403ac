package dev.nanogen.gateway.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.gateway.IntegrationTest;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class ProcessedEventsTest extends IntegrationTest {
  @Autowired ProcessedEvents processed;

  @Test
  void applied_event_marks_are_kept_for_the_outbox_retention_and_purged_after() {
    UUID old = UUID.randomUUID();
    UUID recent = UUID.randomUUID();
    jdbc.sql(
            "INSERT INTO processed_events (event_id, processed_at) VALUES (:old, now() - interval '8 days'), (:recent, now() - interval '6 days')")
        .param("old", old)
        .param("recent", recent)
        .update();

    processed.purge();

    assertThat(
            jdbc.sql("SELECT event_id FROM processed_events WHERE event_id IN (:ids)")
                .param("ids", List.of(old, recent))
                .query(UUID.class)
                .list())
        .containsExactly(recent);
  }
}
