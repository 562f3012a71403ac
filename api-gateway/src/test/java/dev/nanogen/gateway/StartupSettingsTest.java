package dev.nanogen.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.testkit.StartupRefusal;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** A gateway given a guessable admin token does not start, and says which setting is wrong. */
class StartupSettingsTest {

  @Test
  void a_short_or_placeholder_admin_token_stops_the_gateway_at_start_naming_the_variable() {
    for (String weak : new String[] {"change-me", "local-admin-token-0123456789"}) {
      String refusal =
          StartupRefusal.of(
              "nanogen_gateway_startup_test",
              "--nanogen.admin-token=" + weak,
              args ->
                  new SpringApplicationBuilder(GatewayApplication.class)
                      .web(WebApplicationType.NONE)
                      .run(args));
      assertThat(refusal).as(weak).contains("NANOGEN_ADMIN_TOKEN");
    }
  }
}
