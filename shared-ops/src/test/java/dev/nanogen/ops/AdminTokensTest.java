package dev.nanogen.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AdminTokensTest {

  @Test
  void short_and_placeholder_tokens_are_refused_naming_the_variable() {
    for (String weak :
        new String[] {
          "short",
          "local-admin-token-0123456789",
          "change-me-change-me-change-me-change-me",
          "CHANGEME0123456789abcdefghijklmnop",
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "                                   "
        }) {
      assertThat(AdminTokens.weakness(weak)).as(weak).isPresent();
      assertThatThrownBy(() -> AdminTokens.require(weak))
          .hasMessageContaining("NANOGEN_ADMIN_TOKEN");
    }
  }

  @Test
  void a_long_random_token_or_none_at_all_is_accepted() {
    assertThat(AdminTokens.weakness("3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4e")).isEmpty();
    assertThat(AdminTokens.weakness(null)).isEmpty();
    assertThat(AdminTokens.weakness("")).isEmpty();
  }

  @Test
  void only_the_configured_bearer_token_is_accepted_and_none_when_unset() {
    byte[] configured = AdminTokens.configured("3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4e");

    assertThat(AdminTokens.accepts(configured, "Bearer 3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4e")).isTrue();
    assertThat(AdminTokens.accepts(configured, "bearer 3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4e "))
        .isTrue();
    assertThat(AdminTokens.accepts(configured, "Bearer 3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4")).isFalse();
    assertThat(AdminTokens.accepts(configured, "3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4e")).isFalse();
    assertThat(AdminTokens.accepts(configured, null)).isFalse();
    assertThat(AdminTokens.accepts(AdminTokens.configured(""), "Bearer ")).isFalse();
    assertThat(AdminTokens.accepts(AdminTokens.configured(null), "Bearer anything")).isFalse();
  }
}
