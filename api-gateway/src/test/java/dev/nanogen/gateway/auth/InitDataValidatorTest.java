package dev.nanogen.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanogen.gateway.MovableClock;
import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import dev.nanogen.testkit.InitDataSigner;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class InitDataValidatorTest {
  /** Published vector: bot token 42:TEST, valid when the age check is off. */
  static final String VECTOR =
      "auth_date=1650385342&user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D&query_id=test"
          + "&hash=46d2ea5e32911ec8d30999b56247654460c0d20949b6277af519e76271182803";

  static final Instant VECTOR_TIME = Instant.ofEpochSecond(1650385342);

  private static InitDataValidator validator(String token, Instant now, Duration maxAge) {
    return validator(token, Clock.fixed(now, ZoneOffset.UTC), maxAge);
  }

  private static InitDataValidator validator(String token, Clock clock, Duration maxAge) {
    NanogenProperties properties =
        new NanogenProperties(
            new NanogenProperties.Telegram(
                token, "https://api.telegram.org", Duration.ofSeconds(5), null, null),
            new NanogenProperties.Auth(maxAge),
            0,
            null,
            new NanogenProperties.Limits(
                5, 10, 10, 30, Duration.ofMinutes(1), 60, Duration.ofSeconds(10)),
            new NanogenProperties.Outbox(
                500,
                Duration.ofMillis(500),
                10,
                Duration.ofSeconds(10),
                Duration.ofDays(7),
                true,
                1),
            new dev.nanogen.ops.KafkaTopics(12, (short) 1),
            new NanogenProperties.Sweeper(
                java.time.Duration.ofSeconds(15),
                java.time.Duration.ofMinutes(3),
                java.time.Duration.ofMinutes(5),
                200,
                Duration.ofSeconds(10)),
            false,
            null,
            new NanogenProperties.Cors(null, Duration.ofMinutes(10)),
            new NanogenProperties.Outcomes(6),
            new NanogenProperties.Housekeeping(Duration.ofMinutes(10)),
            new NanogenProperties.Reconcile(Duration.ofMinutes(10), Duration.ofMinutes(1)));
    return new InitDataValidator(properties, clock, JsonMapper.builder().build());
  }

  private static ErrorCode codeOf(Runnable call) {
    try {
      call.run();
      return null;
    } catch (AppError e) {
      return e.code();
    }
  }

  @Test
  void the_published_vector_is_valid_for_its_bot() {
    TelegramUser user =
        validator("42:TEST", VECTOR_TIME.plusSeconds(60), Duration.ofHours(24)).validate(VECTOR);

    assertThat(user.id()).isEqualTo(42);
    assertThat(user.firstName()).isEqualTo("Test");
  }

  @Test
  void the_published_vector_is_invalid_for_another_bot() {
    assertThat(
            codeOf(() -> validator("43:TEST", VECTOR_TIME, Duration.ofHours(24)).validate(VECTOR)))
        .isEqualTo(ErrorCode.INVALID_INIT_DATA);
  }

  /** The vector with one byte changed, for every byte that can be changed into another. */
  private static List<String> tamperedCopies() {
    List<String> copies = new ArrayList<>();
    for (int i = 0; i < VECTOR.length(); i++) {
      char c = VECTOR.charAt(i);
      char changed = c == '1' ? '2' : (c == 'a' ? 'b' : (c == '%' ? '%' : '1'));
      if (changed != c) {
        copies.add(VECTOR.substring(0, i) + changed + VECTOR.substring(i + 1));
      }
    }
    return copies;
  }

  @Test
  void a_remembered_init_data_still_expires_and_only_the_very_same_string_is_remembered() {
    MovableClock clock = new MovableClock();
    clock.advance(
        Duration.between(Instant.now(), VECTOR_TIME.plusSeconds(60))); // a minute after signing
    InitDataValidator validator = validator("42:TEST", clock, Duration.ofHours(24));
    assertThat(validator.validate(VECTOR).id()).isEqualTo(42);

    // Verified once: a string differing in any byte is verified on its own, and fails.
    for (String tampered : tamperedCopies()) {
      assertThat(codeOf(() -> validator.validate(tampered)))
          .as(tampered)
          .isEqualTo(ErrorCode.INVALID_INIT_DATA);
    }
    assertThat(validator.validate(VECTOR).firstName()).isEqualTo("Test");

    clock.advance(Duration.ofHours(24).minusSeconds(59)); // a second past the maximum age
    assertThat(codeOf(() -> validator.validate(VECTOR))).isEqualTo(ErrorCode.INIT_DATA_EXPIRED);
  }

  @Test
  void any_changed_byte_invalidates_it() {
    InitDataValidator validator = validator("42:TEST", VECTOR_TIME, Duration.ofHours(24));
    for (String tampered : tamperedCopies()) {
      assertThat(codeOf(() -> validator.validate(tampered)))
          .as(tampered)
          .isEqualTo(ErrorCode.INVALID_INIT_DATA);
    }
  }

  @Test
  void old_auth_date_is_expired_but_only_when_the_signature_holds() {
    InitDataValidator validator =
        validator("42:TEST", VECTOR_TIME.plus(Duration.ofHours(25)), Duration.ofHours(24));

    assertThat(codeOf(() -> validator.validate(VECTOR))).isEqualTo(ErrorCode.INIT_DATA_EXPIRED);
    assertThat(codeOf(() -> validator.validate(VECTOR.replace("query_id=test", "query_id=tesT"))))
        .isEqualTo(ErrorCode.INVALID_INIT_DATA);
  }

  @Test
  void an_auth_date_more_than_a_minute_ahead_is_invalid_however_well_signed() {
    Instant now = Instant.parse("2026-11-26T10:00:00Z");
    InitDataSigner signer = new InitDataSigner("7:ABC");
    InitDataValidator validator = validator("7:ABC", now, Duration.ofHours(24));

    assertThat(codeOf(() -> validator.validate(signer.sign(777, "Ann", "ru", now.plusSeconds(61)))))
        .isEqualTo(ErrorCode.INVALID_INIT_DATA);
    assertThat(
            codeOf(
                () ->
                    validator.validate(
                        signer.sign(777, "Ann", "ru", now.plus(Duration.ofDays(365))))))
        .isEqualTo(ErrorCode.INVALID_INIT_DATA);
    assertThat(codeOf(() -> validator.validate(signer.sign(777, "Ann", "ru", now.plusSeconds(30)))))
        .isNull();
  }

  @Test
  void our_own_signer_agrees_with_the_validator() {
    Instant now = Instant.parse("2026-11-26T10:00:00Z");
    String initData = new InitDataSigner("7:ABC").sign(777, "Ann", "ru", now);

    TelegramUser user = validator("7:ABC", now, Duration.ofHours(24)).validate(initData);

    assertThat(user.id()).isEqualTo(777);
    assertThat(user.languageCode()).isEqualTo("ru");
  }

  @Test
  void garbage_is_invalid_not_an_exception() {
    InitDataValidator validator = validator("42:TEST", VECTOR_TIME, Duration.ofHours(24));
    for (String garbage :
        new String[] {"", "x", "hash=", "a=1&a=2&hash=00", "%zz=1&hash=1", "user=%7B&hash=ab"}) {
      assertThatThrownBy(() -> validator.validate(garbage))
          .isInstanceOf(AppError.class)
          .extracting(e -> ((AppError) e).code())
          .isEqualTo(ErrorCode.INVALID_INIT_DATA);
    }
  }
}
