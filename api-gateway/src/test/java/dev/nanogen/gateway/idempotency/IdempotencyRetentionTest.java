package dev.nanogen.gateway.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.gateway.IntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class IdempotencyRetentionTest extends IntegrationTest {
  @Autowired IdempotencyKeys keys;

  @Test
  void idempotency_keys_are_kept_24_hours_and_purged_after() {
    long user = newUserId();
    grant(user, 10);
    post(
        "/api/generation/start",
        user,
        Map.of("model_id", "flux-schnell", "prompt", "old"),
        Map.of("Idempotency-Key", "old-key"));
    post(
        "/api/generation/start",
        user,
        Map.of("model_id", "flux-schnell", "prompt", "new"),
        Map.of("Idempotency-Key", "new-key"));
    jdbc.sql(
            "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE user_id = :u AND idempotency_key = 'old-key'")
        .param("u", user)
        .update();
    jdbc.sql(
            "UPDATE idempotency_keys SET created_at = now() - interval '23 hours' WHERE user_id = :u AND idempotency_key = 'new-key'")
        .param("u", user)
        .update();

    keys.purge();

    assertThat(
            jdbc.sql("SELECT idempotency_key FROM idempotency_keys WHERE user_id = :u")
                .param("u", user)
                .query(String.class)
                .list())
        .containsExactly("new-key");
  }
}
