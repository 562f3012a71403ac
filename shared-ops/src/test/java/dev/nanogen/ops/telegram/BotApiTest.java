package dev.nanogen.ops.telegram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanogen.testkit.TelegramStub;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Bot API path carries the token as Telegram documents it ({@code /bot123:ABC/sendMessage}):
 * the stub reads the raw path, so a percent-encoded token ({@code 123%3AABC}) would be refused
 * there as by any server that does not decode it.
 */
class BotApiTest {
  private static final String TOKEN = "123456:AAH-token_part";

  @Test
  void the_token_travels_in_the_path_as_telegram_documents_it() {
    try (TelegramStub telegram = new TelegramStub(0, TOKEN)) {
      BotApi api = api(telegram.baseUrl(), TOKEN);

      api.call("sendMessage", Map.of("chat_id", 42, "text", "hello"));

      assertThat(telegram.messagesTo(42)).hasSize(1);
    }
  }

  @Test
  void a_token_of_another_shape_is_refused_when_the_client_is_built() {
    assertThatThrownBy(() -> api("http://127.0.0.1:1", "123/../evil:x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nanogen.telegram.bot-token")
        .hasMessageNotContaining("evil");
  }

  private static BotApi api(String baseUrl, String token) {
    return new BotApi(
        RestClient.builder(),
        baseUrl,
        token,
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        JsonMapper.builder().build());
  }
}
