package dev.nanogen.ops.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The JVM's name service in shared-ops' tests: every name resolves as usual except {@link #HOST},
 * which answers a public address to its first lookup and loopback to every later one — a DNS
 * rebinding attack, as a host with a zero TTL would mount it.
 */
public final class RebindingResolver extends InetAddressResolverProvider {
  public static final String HOST = "rebind.nanogen.test";
  private static final AtomicInteger LOOKUPS = new AtomicInteger();

  /** Starts over: the next lookup of {@link #HOST} answers the public address. */
  static void reset() {
    LOOKUPS.set(0);
  }

  static int lookups() {
    return LOOKUPS.get();
  }

  @Override
  public InetAddressResolver get(Configuration configuration) {
    InetAddressResolver builtin = configuration.builtinResolver();
    return new InetAddressResolver() {
      @Override
      public Stream<InetAddress> lookupByName(String host, LookupPolicy policy)
          throws UnknownHostException {
        if (!host.equalsIgnoreCase(HOST)) {
          return builtin.lookupByName(host, policy);
        }
        byte[] address =
            LOOKUPS.getAndIncrement() == 0
                ? new byte[] {(byte) 203, 0, 113, 7}
                : new byte[] {127, 0, 0, 1};
        return Stream.of(InetAddress.getByAddress(host, address));
      }

      @Override
      public String lookupByAddress(byte[] address) throws UnknownHostException {
        return builtin.lookupByAddress(address);
      }
    };
  }

  @Override
  public String name() {
    return "nanogen-rebinding";
  }
}
