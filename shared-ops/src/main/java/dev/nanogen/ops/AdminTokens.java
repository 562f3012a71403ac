package dev.nanogen.ops;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What NANOGEN_ADMIN_TOKEN must be, for every service that serves an admin API: unset (the admin
 * API is off), or at least {@link #MIN_LENGTH} characters and no known placeholder. A service given
 * a weak one refuses to start with a line naming the variable.
 */
public final class AdminTokens {
  public static final int MIN_LENGTH = 32;
  private static final Set<String> PLACEHOLDERS =
      Set.of(
          "change-me",
          "changeme",
          "change_me",
          "replace-me",
          "replaceme",
          "placeholder",
          "example",
          "your-token",
          "your_token",
          "secret",
          "password",
          "admin-token-here");

  private AdminTokens() {}

  /** Why a configured token is refused, or empty when it is acceptable (or unset). */
  public static Optional<String> weakness(String token) {
    if (token == null || token.isEmpty()) {
      return Optional.empty();
    }
    if (token.isBlank() || token.length() < MIN_LENGTH) {
      return Optional.of(
          "NANOGEN_ADMIN_TOKEN must be at least "
              + MIN_LENGTH
              + " characters (or unset to turn the admin API off)");
    }
    String lower = token.toLowerCase(Locale.ROOT);
    if (PLACEHOLDERS.stream().anyMatch(lower::contains) || lower.chars().distinct().count() < 8) {
      return Optional.of(
          "NANOGEN_ADMIN_TOKEN is a placeholder: set it to a random secret (openssl rand -hex 32)");
    }
    return Optional.empty();
  }

  /**
   * Whether {@code authorization} (an Authorization header) is {@code Bearer <configured>},
   * compared in constant time; never true when no token is configured (null: the admin API is off).
   */
  public static boolean accepts(byte[] configured, String authorization) {
    boolean bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
    byte[] given =
        bearer ? authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
    return configured != null && MessageDigest.isEqual(configured, given);
  }

  /** The configured token as the bytes {@link #accepts} compares; null when unset. */
  public static byte[] configured(String token) {
    return token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
  }

  /** Throws the one-line refusal when the token is weak. */
  public static void require(String token) {
    weakness(token)
        .ifPresent(
            problem -> {
              throw new IllegalStateException(problem);
            });
  }
}
