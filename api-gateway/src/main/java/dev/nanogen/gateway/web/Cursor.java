package dev.nanogen.gateway.web;

import dev.nanogen.gateway.error.ValidationFailed;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.UUID;

/**
 * An opaque keyset cursor: the sort position (a timestamp in microseconds or a sequence number, and
 * an id) of the last item of a page, URL-safe base64.
 */
public record Cursor(long position, String id) {
  /** Year 9999 in microseconds: no stored time lies beyond it. */
  private static final long MAX_MICROS = 253_402_300_799_000_000L;

  /** The cursor after an item sorted by a time and a UUID (newest first). */
  public static Cursor after(Instant time, UUID id) {
    return new Cursor(ChronoUnit.MICROS.between(Instant.EPOCH, time), id.toString());
  }

  public String encode() {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((position + ":" + id).getBytes(StandardCharsets.UTF_8));
  }

  /** Null for a first page; a 400 for a cursor this API did not produce. */
  public static Cursor decode(String raw) {
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(raw), StandardCharsets.UTF_8);
      int colon = text.indexOf(':');
      return new Cursor(Long.parseLong(text.substring(0, colon)), text.substring(colon + 1));
    } catch (RuntimeException e) {
      throw ValidationFailed.of("cursor", "is not a cursor from this API");
    }
  }

  /** The position as a time (microseconds since the epoch); a 400 for one no page ever had. */
  public Instant instant() {
    if (position < 0 || position > MAX_MICROS) {
      throw ValidationFailed.of("cursor", "is not a cursor from this API");
    }
    return Instant.EPOCH.plus(position, ChronoUnit.MICROS);
  }

  /** The id as a UUID; a 400 when it is not one. */
  public UUID uuid() {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw ValidationFailed.of("cursor", "is not a cursor from this API");
    }
  }

  /** A page's size when the request names none. */
  public static final int DEFAULT_LIMIT = 20;

  /** The largest page. */
  public static final int MAX_LIMIT = 100;

  /** Page size: {@value #DEFAULT_LIMIT} by default, 1 to {@value #MAX_LIMIT}. */
  public static int limit(Integer requested) {
    if (requested == null) {
      return DEFAULT_LIMIT;
    }
    if (requested < 1 || requested > MAX_LIMIT) {
      throw ValidationFailed.of("limit", "must be between 1 and " + MAX_LIMIT);
    }
    return requested;
  }
}
