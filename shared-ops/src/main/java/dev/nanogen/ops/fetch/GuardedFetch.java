package dev.nanogen.ops.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.util.Timeout;

/**
 * Fetches URLs that came from outside without letting them reach inside: every URL (and every
 * redirect, followed by hand, at most {@link #MAX_REDIRECTS}) is checked by {@link PublicUrls}, and
 * its host is resolved once, by the client's own resolver, which refuses it unless every address is
 * public and hands the connection exactly the addresses it checked (no second lookup that a
 * rebinding name could answer differently). A fetch has an overall deadline — a body that drips is
 * cut off, not waited on — and a size cap.
 */
public final class GuardedFetch {
  public static final int MAX_REDIRECTS = 3;
  private static final int MAX_CONNECTIONS = 256;

  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("fetch-deadline").factory());

  private final PublicUrls urls;
  private final CloseableHttpClient http;

  public GuardedFetch(PublicUrls urls, Duration connectTimeout) {
    this.urls = urls;
    DnsResolver checked =
        new DnsResolver() {
          @Override
          public InetAddress[] resolve(String host) throws UnknownHostException {
            return urls.checkedAddresses(host);
          }

          @Override
          public String resolveCanonicalHostname(String host) {
            return host;
          }
        };
    this.http =
        HttpClients.custom()
            .setConnectionManager(
                PoolingHttpClientConnectionManagerBuilder.create()
                    .setDnsResolver(checked)
                    .setDefaultConnectionConfig(
                        ConnectionConfig.custom()
                            .setConnectTimeout(Timeout.of(connectTimeout))
                            // A pooled connection idle for a second is checked before reuse: a
                            // server that closed it meanwhile (keep-alive limits) would otherwise
                            // fail the next download with "failed to respond".
                            .setValidateAfterInactivity(
                                org.apache.hc.core5.util.TimeValue.ofSeconds(1))
                            .build())
                    .setMaxConnTotal(MAX_CONNECTIONS)
                    .setMaxConnPerRoute(MAX_CONNECTIONS)
                    .build())
            .disableRedirectHandling()
            .disableAutomaticRetries()
            .disableCookieManagement()
            .disableAuthCaching()
            .disableContentCompression()
            .build();
  }

  /** A URL refused before or during a fetch, or a download over its cap or past its deadline. */
  public static final class Refused extends IOException {
    public Refused(String message) {
      super(message);
    }
  }

  /**
   * The Content-Length a HEAD request announces, or empty when the server does not say or fails.
   */
  public OptionalLong size(String url, Duration deadline) {
    try (Exchange exchange = new Exchange(deadline);
        ClassicHttpResponse response = exchange.follow(url, "HEAD")) {
      Header length = response.getFirstHeader("Content-Length");
      if (response.getCode() / 100 != 2 || length == null) {
        return OptionalLong.empty();
      }
      return OptionalLong.of(Long.parseLong(length.getValue().strip()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * Copies the body of a GET into {@code out}: at most {@code limit} bytes, all of it within {@code
   * deadline} from now.
   *
   * @return the bytes copied
   * @throws Refused a refused URL or redirect, a body over the limit, or the deadline passed
   * @throws IOException the server failed or answered other than 2xx
   * @throws InterruptedException the thread was interrupted (seen between chunks of the body)
   */
  public long download(String url, long limit, Duration deadline, OutputStream out)
      throws IOException, InterruptedException {
    // Closing the response before its body is read through drops the connection rather than
    // reading the rest: what a body over the cap or past the deadline needs.
    try (Exchange exchange = new Exchange(deadline);
        ClassicHttpResponse response = exchange.follow(url, "GET")) {
      if (response.getCode() / 100 != 2) {
        throw new IOException("download answered " + response.getCode());
      }
      if (response.getEntity() == null) {
        return 0;
      }
      if (response.getEntity().getContentLength() > limit) {
        throw new Refused("file is larger than " + limit + " bytes");
      }
      try {
        InputStream in = response.getEntity().getContent();
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
          if (Thread.interrupted()) {
            throw new InterruptedException("download interrupted");
          }
          total += n;
          if (total > limit) {
            throw new Refused("file is larger than " + limit + " bytes");
          }
          out.write(buffer, 0, n);
        }
        return total;
      } catch (Refused e) {
        throw e;
      } catch (IOException e) {
        throw exchange.expired() ? exchange.deadlinePassed() : e;
      }
    }
  }

  /**
   * One fetch and its redirects under one deadline: when it passes, the request under way is
   * aborted, which wakes a connect, a wait for headers or a read blocked on a dripping server.
   */
  private final class Exchange implements AutoCloseable {
    private final Duration deadline;
    private final AtomicReference<HttpUriRequestBase> current = new AtomicReference<>();
    private final ScheduledFuture<?> cut;
    private volatile boolean expired;

    Exchange(Duration deadline) {
      this.deadline = deadline;
      this.cut = WATCHDOG.schedule(this::expire, deadline.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void expire() {
      expired = true;
      HttpUriRequestBase request = current.get();
      if (request != null) {
        request.cancel();
      }
    }

    boolean expired() {
      return expired;
    }

    Refused deadlinePassed() {
      return new Refused("download deadline of " + deadline + " passed");
    }

    ClassicHttpResponse follow(String url, String method) throws IOException {
      URI uri;
      try {
        uri = URI.create(url);
      } catch (IllegalArgumentException e) {
        throw new Refused("not a URL");
      }
      for (int hop = 0; ; hop++) {
        var refusal = urls.refusal(uri.toString());
        if (refusal.isPresent()) {
          throw new Refused((hop == 0 ? "URL refused: " : "redirect refused: ") + refusal.get());
        }
        ClassicHttpResponse response = send(uri, method, hop);
        int status = response.getCode();
        if (status < 300 || status >= 400 || status == 304) {
          return response;
        }
        Header location = response.getFirstHeader("Location");
        response.close();
        if (location == null || hop >= MAX_REDIRECTS) {
          throw new Refused(
              location == null
                  ? "a redirect without a Location"
                  : "more than " + MAX_REDIRECTS + " redirects");
        }
        try {
          uri = uri.resolve(location.getValue());
        } catch (IllegalArgumentException e) {
          throw new Refused("redirect to something that is not a URL");
        }
      }
    }

    private ClassicHttpResponse send(URI uri, String method, int hop) throws IOException {
      HttpUriRequestBase request = new HttpUriRequestBase(method, uri);
      Timeout wait = Timeout.of(deadline);
      request.setConfig(
          RequestConfig.custom()
              .setResponseTimeout(wait)
              .setConnectionRequestTimeout(wait)
              .build());
      current.set(request);
      if (expired) {
        throw deadlinePassed();
      }
      try {
        return http.executeOpen(null, request, null);
      } catch (PublicUrls.Refused e) {
        throw new Refused((hop == 0 ? "URL refused: " : "redirect refused: ") + e.getMessage());
      } catch (UnknownHostException e) {
        throw new Refused("host does not resolve");
      } catch (IOException e) {
        throw expired ? deadlinePassed() : e;
      }
    }

    @Override
    public void close() {
      cut.cancel(false);
    }
  }
}
