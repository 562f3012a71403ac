package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.model.GenerationProcessingStarted;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.KafkaProbe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * With started notices on, the first pick-up of a generation is announced once, for the notifier.
 */
@TestPropertySource(properties = "nanogen.notice-started=true")
class StartedNoticeTest extends IntegrationTest {
  @Autowired JsonMapper json;

  private void started(UUID id, String taskId) throws Exception {
    GenerationStarted event =
        new GenerationStarted(UUID.randomUUID(), Instant.now(), 1, id, taskId, null, null);
    ProducerRecord<String, String> record =
        new ProducerRecord<>(Topics.OUTCOMES, id.toString(), json.writeValueAsString(event));
    record
        .headers()
        .add(Topics.EVENT_TYPE_HEADER, "GenerationStarted".getBytes(StandardCharsets.UTF_8));
    kafka.send(record).get();
  }

  @Test
  void a_generation_taken_up_twice_is_announced_as_processing_once() throws Exception {
    long user = newUserId();
    grant(user, 1000);
    UUID id =
        UUID.fromString(
            json(start(user, "kling-video", "a started notice")).path("generation_id").asString());

    started(id, null);
    started(id, "task-1"); // a later Started with the task id: no second notice

    try (KafkaProbe settled = new KafkaProbe(Topics.SETTLED)) {
      List<ConsumerRecord<String, String>> records =
          await()
              .atMost(Duration.ofSeconds(20))
              .until(() -> settled.withKey(id.toString()), r -> !r.isEmpty());
      await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
      records = settled.withKey(id.toString());
      assertThat(records).hasSize(1);
      assertThat(
              new String(
                  records.getFirst().headers().lastHeader(Topics.EVENT_TYPE_HEADER).value(),
                  StandardCharsets.UTF_8))
          .isEqualTo("GenerationProcessingStarted");
      GenerationProcessingStarted notice =
          json.readValue(records.getFirst().value(), GenerationProcessingStarted.class);
      assertThat(notice.chatId()).isEqualTo(user);
      assertThat(notice.modelId()).isEqualTo("kling-video");
      assertThat(notice.prompt()).isEqualTo("a started notice");
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                "task-1"
                    .equals(
                        jdbc.sql("SELECT provider_task_id FROM generations WHERE id = :id")
                            .param("id", id)
                            .query(String.class)
                            .single()));
  }
}
