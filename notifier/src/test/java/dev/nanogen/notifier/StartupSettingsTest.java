package dev.nanogen.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.nanogen.testkit.TestInfra;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.core.NestedExceptionUtils;

/** A notifier given a guessable admin token does not start, and says which setting is wrong. */
class StartupSettingsTest {

  @Test
  void a_short_or_placeholder_admin_token_stops_the_notifier_at_start_naming_the_variable() {
    TestInfra.Database db = TestInfra.freshDatabase("nanogen_notifier_startup_test");
    for (String weak : new String[] {"change-me", "notifier-admin-token-0123"}) {
      Throwable failure =
          catchThrowable(() -> new SpringApplicationBuilder(NotifierApplication.class)
              .web(WebApplicationType.NONE)
              .run("--spring.datasource.url=" + db.url(), "--spring.datasource.username=" + db.username(),
                  "--spring.datasource.password=" + db.password(), "--spring.kafka.bootstrap-servers=" + TestInfra.kafkaBootstrap(),
                  "--nanogen.telegram.bot-token=1:T", "--nanogen.admin-token=" + weak, "--management.server.port=0")
              .close());
      assertThat(failure).as(weak).isNotNull();
      assertThat(NestedExceptionUtils.getMostSpecificCause(failure).getMessage()).contains("NANOGEN_ADMIN_TOKEN");
    }
  }
}
