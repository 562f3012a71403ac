package dev.nanogen.gateway.uploads;

import dev.nanogen.gateway.config.NanogenProperties;
import dev.nanogen.gateway.files.FilesProperties;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The URLs the provider fetches a generation's uploaded images at: {@code
 * <public-base-url>/files/inputs/<upload id>.<ext>?expires=<epoch seconds>&signature=<mac>}. The
 * signature is an HMAC-SHA256 of the upload id and the expiry under a key derived from the bot
 * token (so no other secret is needed), the expiry is the generation's deadline: a URL cannot be
 * made for another upload or stretched past its time, and a dispatch of the same generation again
 * makes the same URL. Only the gateway signs and checks them.
 */
@Component
public class InputUrls {
  private static final String MAC = "HmacSHA256";

  private final SecretKeySpec key;
  private final String base;
  private final JdbcClient jdbc;

  InputUrls(NanogenProperties properties, FilesProperties files, JdbcClient jdbc) {
    this.key = new SecretKeySpec(derivedKey(properties.telegram().botToken()), MAC);
    this.base = files.publicBaseUrl().replaceAll("/+$", "") + "/files/inputs/";
    this.jdbc = jdbc;
  }

  /** The signed URLs of {@code uploadIds}, in order, valid until {@code until}. */
  public List<String> signed(List<UUID> uploadIds, Instant until) {
    if (uploadIds.isEmpty()) {
      return List.of();
    }
    Map<UUID, String> types =
        jdbc.sql("SELECT id, content_type FROM uploads WHERE id IN (:ids)")
            .param("ids", uploadIds)
            .query(
                rs -> {
                  Map<UUID, String> found = new HashMap<>();
                  while (rs.next()) {
                    found.put(rs.getObject(1, UUID.class), rs.getString(2));
                  }
                  return found;
                });
    return uploadIds.stream()
        .map(
            id ->
                base
                    + id
                    + extension(types.getOrDefault(id, ""))
                    + "?expires="
                    + until.getEpochSecond()
                    + "&signature="
                    + signature(id, until.getEpochSecond()))
        .toList();
  }

  /**
   * The upload a request names, if its signature is this gateway's and its time has not passed;
   * else empty (the caller answers 404 either way).
   */
  public Optional<UUID> verified(UUID uploadId, Long expires, String signature, Instant now) {
    if (expires == null || signature == null || now.getEpochSecond() > expires) {
      return Optional.empty();
    }
    byte[] expected = signature(uploadId, expires).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))
        ? Optional.of(uploadId)
        : Optional.empty();
  }

  private String signature(UUID uploadId, long expires) {
    try {
      Mac mac = Mac.getInstance(MAC);
      mac.init(key);
      byte[] value = mac.doFinal((uploadId + ":" + expires).getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static byte[] derivedKey(String botToken) {
    try {
      Mac mac = Mac.getInstance(MAC);
      mac.init(new SecretKeySpec("NanoGenInputUrls".getBytes(StandardCharsets.US_ASCII), MAC));
      return mac.doFinal(botToken.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  static String extension(String contentType) {
    return switch (contentType) {
      case "image/jpeg" -> ".jpg";
      case "image/png" -> ".png";
      case "image/webp" -> ".webp";
      default -> "";
    };
  }
}
