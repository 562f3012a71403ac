package dev.nanogen.testkit;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Makes Telegram Mini App initData signed the way Telegram signs it, for tests, benchmarks and the
 * README's curl example. (The gateway's validator is written separately, so a shared bug cannot
 * hide.)
 */
public final class InitDataSigner {
  private final byte[] secret;

  public InitDataSigner(String botToken) {
    this.secret = hmac("WebAppData".getBytes(StandardCharsets.UTF_8), botToken);
  }

  /** initData for a user with the given id, first name and language, signed now. */
  public String sign(long userId, String firstName, String languageCode) {
    return sign(userId, firstName, languageCode, Instant.now());
  }

  public String sign(long userId, String firstName, String languageCode, Instant authDate) {
    String user =
        "{\"id\":%d,\"first_name\":\"%s\",\"language_code\":\"%s\"}"
            .formatted(userId, firstName, languageCode);
    Map<String, String> fields = new TreeMap<>();
    fields.put("auth_date", Long.toString(authDate.getEpochSecond()));
    fields.put("query_id", "AAH" + userId);
    fields.put("user", user);
    return sign(fields);
  }

  /** Signs arbitrary fields (raw values, not yet URL-encoded) and returns the encoded initData. */
  public String sign(Map<String, String> fields) {
    String dataCheckString =
        new TreeMap<>(fields)
            .entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n"));
    String hash = HexFormat.of().formatHex(hmac(secret, dataCheckString));
    return fields.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"))
        + "&hash="
        + hash;
  }

  private static byte[] hmac(byte[] key, String message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Prints initData: {@code InitDataSigner <botToken> <userId> [firstName] [languageCode]}. */
  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: InitDataSigner <botToken> <userId> [firstName] [languageCode]");
      System.exit(2);
    }
    String name = args.length > 2 ? args[2] : "Local";
    String language = args.length > 3 ? args[3] : "en";
    System.out.println(new InitDataSigner(args[0]).sign(Long.parseLong(args[1]), name, language));
  }
}
