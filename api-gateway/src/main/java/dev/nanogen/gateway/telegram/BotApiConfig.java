package dev.nanogen.gateway.telegram;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.ops.telegram.BotApi;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's Bot API client: the payment methods and setWebhook (messages are the notifier's).
 */
@Configuration(proxyBeanMethods = false)
class BotApiConfig {

  @Bean
  BotApi botApi(NanogenProperties properties, RestClient.Builder rest, JsonMapper json) {
    NanogenProperties.Telegram telegram = properties.telegram();
    return new BotApi(
        rest,
        telegram.apiBaseUrl(),
        telegram.botToken(),
        telegram.timeout(),
        telegram.timeout(),
        json);
  }
}
