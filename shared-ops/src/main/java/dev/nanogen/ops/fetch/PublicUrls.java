package dev.nanogen.ops.fetch;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Which URLs NanoGen accepts from outside (a provider's result, a redirect) and may fetch: {@code
 * https} to a public address. With {@code allowPrivate} (NANOGEN_FETCH_ALLOW_PRIVATE, local stacks
 * and tests) also {@code http} and loopback or private addresses. Anything else — {@code
 * javascript:}, {@code file:}, {@code data:}, user info, no host — is refused whatever the setting.
 */
public final class PublicUrls {
  private static final int MAX_LENGTH = 2048;

  private final boolean allowPrivate;

  public PublicUrls(boolean allowPrivate) {
    this.allowPrivate = allowPrivate;
  }

  public boolean allowsPrivate() {
    return allowPrivate;
  }

  /** Why a URL is refused by its text alone (scheme, shape, a literal address), or empty. */
  public Optional<String> refusal(String url) {
    if (url == null || url.isBlank() || url.length() > MAX_LENGTH) {
      return Optional.of("no URL, or longer than " + MAX_LENGTH + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (Exception e) {
      return Optional.of("not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(allowPrivate && scheme.equals("http"))) {
      return Optional.of("scheme " + (scheme.isEmpty() ? "(none)" : scheme) + " is not allowed");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("user info in a URL is not allowed");
    }
    String host = uri.getHost();
    if (host == null || host.isBlank()) {
      return Optional.of("no host");
    }
    if (!allowPrivate && isLiteral(host)) {
      try {
        if (!isPublic(InetAddress.getByName(host))) {
          return Optional.of("a loopback, private or link-local address");
        }
      } catch (UnknownHostException e) {
        return Optional.of("an unreadable address");
      }
    }
    if (!allowPrivate && host.toLowerCase(Locale.ROOT).equals("localhost")) {
      return Optional.of("a loopback address");
    }
    return Optional.empty();
  }

  /**
   * Resolves a host once and answers its addresses if every one is public (any, where private ones
   * are allowed): what a fetcher connects to, so the addresses checked are the addresses used.
   *
   * @throws Refused the host resolves to a loopback, private or link-local address
   * @throws UnknownHostException the host does not resolve
   */
  public InetAddress[] checkedAddresses(String host) throws UnknownHostException {
    InetAddress[] addresses = InetAddress.getAllByName(host);
    if (!allowPrivate) {
      for (InetAddress address : addresses) {
        if (!isPublic(address)) {
          throw new Refused(host);
        }
      }
    }
    return addresses;
  }

  /** A host refused for where it resolves. */
  public static final class Refused extends UnknownHostException {
    Refused(String host) {
      super(host + " resolves to a loopback, private or link-local address");
    }
  }

  /**
   * Not loopback, private (site-local, unique-local, CGNAT), link-local, multicast or unspecified.
   */
  static boolean isPublic(InetAddress address) {
    if (address.isLoopbackAddress()
        || address.isAnyLocalAddress()
        || address.isLinkLocalAddress()
        || address.isSiteLocalAddress()
        || address.isMulticastAddress()) {
      return false;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      int first = b[0] & 0xFF;
      int second = b[1] & 0xFF;
      return first != 0
          && !(first == 100 && second >= 64 && second < 128) // CGNAT 100.64/10
          && !(first == 192 && second == 0 && (b[2] & 0xFF) == 0) // IETF 192.0.0/24
          && !(first == 198 && (second == 18 || second == 19)) // benchmarking 198.18/15
          && first < 240; // reserved and broadcast
    }
    if (address instanceof Inet6Address) {
      boolean uniqueLocal = (b[0] & 0xFE) == 0xFC; // fc00::/7
      boolean mappedV4 = isMappedV4(b);
      if (mappedV4) {
        try {
          return isPublic(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
        } catch (UnknownHostException e) {
          return false;
        }
      }
      return !uniqueLocal;
    }
    return false;
  }

  private static boolean isMappedV4(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF;
  }

  private static boolean isLiteral(String host) {
    return host.startsWith("[") || host.matches("[0-9.]+") || host.contains(":");
  }
}
