package dev.nanogen.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.error.AppError;
import dev.nanogen.gateway.error.ErrorCode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Validates Mini App initData with Telegram's algorithm: secret = HMAC_SHA256(key="WebAppData",
 * bot_token); the data-check-string is every field but {@code hash}, URL-decoded, sorted by key,
 * {@code key=value} joined by newlines; its hex HMAC_SHA256 under the secret must equal {@code
 * hash} (compared in constant time). Then auth_date must be no older than {@code
 * nanogen.auth.max-age} and no more than a minute in the future; only then is the string
 * remembered.
 *
 * <p>A Mini App sends the same initData with every call of a session, so a verified one is
 * remembered (by its whole text, signature included, so only the very same string ever matches; at
 * most {@link #REMEMBERED} of them, each for {@link #REMEMBER_FOR}). Its age is checked on every
 * call all the same. Nothing that failed is remembered.
 */
@Component
class InitDataValidator {
  static final int REMEMBERED = 10_000;
  static final Duration REMEMBER_FOR = Duration.ofMinutes(10);

  /** How far in the future an auth_date may be (clocks differ a little, never by minutes). */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

  private record Verified(TelegramUser user, Instant authDate) {}

  private final Cache<String, Verified> verified =
      Caffeine.newBuilder().maximumSize(REMEMBERED).expireAfterWrite(REMEMBER_FOR).build();
  private final byte[] secret;
  private final Duration maxAge;
  private final Clock clock;
  private final JsonMapper json;

  InitDataValidator(NanogenProperties properties, Clock clock, JsonMapper json) {
    this.secret =
        hmac(
            "WebAppData".getBytes(StandardCharsets.UTF_8),
            properties.telegram().botToken().getBytes(StandardCharsets.UTF_8));
    this.maxAge = properties.auth().maxAge();
    this.clock = clock;
    this.json = json;
  }

  TelegramUser validate(String initData) {
    Verified known = verified.getIfPresent(initData);
    if (known == null) {
      known = verify(initData);
      checkAge(known);
      verified.put(initData, known);
    } else {
      checkAge(known);
    }
    return known.user();
  }

  /**
   * Not older than max-age, and not from the future beyond {@link #CLOCK_SKEW} (a forged clock).
   */
  private void checkAge(Verified known) {
    Instant now = clock.instant();
    if (known.authDate().isAfter(now.plus(CLOCK_SKEW))) {
      throw invalid("initData auth_date is in the future");
    }
    if (known.authDate().plus(maxAge).isBefore(now)) {
      throw new AppError(ErrorCode.INIT_DATA_EXPIRED, "initData auth_date is older than allowed");
    }
  }

  private Verified verify(String initData) {
    Map<String, String> fields = parse(initData);
    String hash = fields.remove("hash");
    if (hash == null || fields.isEmpty()) {
      throw invalid("initData has no hash");
    }
    String dataCheckString =
        fields.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining("\n"));
    byte[] expected = HexFormat.of().formatHex(hmac(secret, bytes(dataCheckString))).getBytes();
    if (!MessageDigest.isEqual(expected, hash.toLowerCase().getBytes(StandardCharsets.UTF_8))) {
      throw invalid("initData signature does not match");
    }
    return new Verified(user(fields.get("user")), authDate(fields.get("auth_date")));
  }

  private static Map<String, String> parse(String initData) {
    Map<String, String> fields = new TreeMap<>();
    for (String pair : initData.split("&")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw invalid("initData is not a query string");
      }
      try {
        String key = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        if (fields.put(key, value) != null) {
          throw invalid("initData repeats a field");
        }
      } catch (IllegalArgumentException e) {
        throw invalid("initData is not URL-encoded");
      }
    }
    return fields;
  }

  private static Instant authDate(String value) {
    try {
      return Instant.ofEpochSecond(Long.parseLong(value));
    } catch (RuntimeException e) {
      throw invalid("initData has no valid auth_date");
    }
  }

  private TelegramUser user(String value) {
    if (value == null) {
      throw invalid("initData has no user");
    }
    JsonNode user;
    try {
      user = json.readTree(value);
    } catch (RuntimeException e) {
      throw invalid("initData user is not JSON");
    }
    JsonNode id = user.path("id");
    if (!id.canConvertToLong() || id.asLong() <= 0) {
      throw invalid("initData user has no id");
    }
    return new TelegramUser(
        id.asLong(),
        text(user, "first_name"),
        text(user, "username"),
        text(user, "language_code"),
        user.path("is_premium").asBoolean(false));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asString();
  }

  private static AppError invalid(String detail) {
    return new AppError(ErrorCode.INVALID_INIT_DATA, detail);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
