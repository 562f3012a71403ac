package dev.nanogen.ops.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanogen.testkit.SandboxAimlServer;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** What a URL from outside can make the services fetch: against a real HTTP server on loopback. */
class GuardedFetchTest {
  private static final SandboxAimlServer SERVER = new SandboxAimlServer(0, null);
  private static final GuardedFetch PRIVATE_ALLOWED =
      new GuardedFetch(new PublicUrls(true), Duration.ofSeconds(2));
  private static final GuardedFetch PUBLIC_ONLY =
      new GuardedFetch(new PublicUrls(false), Duration.ofSeconds(2));

  @AfterAll
  static void stop() {
    SERVER.close();
  }

  @Test
  void only_https_is_accepted_and_scripts_files_and_data_never() {
    PublicUrls strict = new PublicUrls(false);
    PublicUrls local = new PublicUrls(true);

    assertThat(strict.refusal("https://cdn.example.com/a.png")).isEmpty();
    assertThat(strict.refusal("http://cdn.example.com/a.png")).isPresent();
    assertThat(local.refusal("http://cdn.example.com/a.png")).isEmpty();
    for (String url :
        new String[] {
          "javascript:alert(1)",
          "JavaScript:alert(1)",
          "file:///etc/passwd",
          "data:text/html,<script>",
          "ftp://example.com/a",
          "https://user:pw@example.com/a",
          "https:///nohost",
          "",
          "not a url"
        }) {
      assertThat(strict.refusal(url)).as(url).isPresent();
      assertThat(local.refusal(url)).as(url).isPresent();
    }
  }

  @Test
  void loopback_private_and_link_local_hosts_are_refused_unless_allowed() throws Exception {
    PublicUrls strict = new PublicUrls(false);
    for (String url :
        new String[] {
          "https://127.0.0.1/a",
          "https://localhost/a",
          "https://10.1.2.3/a",
          "https://192.168.0.1/a",
          "https://172.16.5.5/a",
          "https://169.254.169.254/latest/meta-data",
          "https://[::1]/a",
          "https://[fd00::1]/a",
          "https://[::ffff:127.0.0.1]/a",
          "https://100.64.0.1/a",
          "https://0.0.0.0/a"
        }) {
      assertThat(strict.refusal(url)).as(url).isPresent();
    }
    assertThat(PublicUrls.isPublic(InetAddress.getByName("93.184.216.34"))).isTrue();
    assertThat(new PublicUrls(true).refusal("http://127.0.0.1:8080/files/a.png")).isEmpty();
  }

  @Test
  void a_loopback_download_is_refused_before_any_connection() {
    assertThatThrownBy(
            () ->
                PUBLIC_ONLY.download(
                    SERVER.fileUrl("a.png", 10),
                    1_000,
                    Duration.ofSeconds(5),
                    new ByteArrayOutputStream()))
        .isInstanceOf(GuardedFetch.Refused.class);
    assertThat(PUBLIC_ONLY.size(SERVER.fileUrl("a.png", 10), Duration.ofSeconds(2))).isEmpty();
  }

  @Test
  void a_host_is_connected_to_at_the_addresses_that_were_checked_not_at_a_later_answer()
      throws Exception {
    // The host answers a public address to the check and loopback to any later lookup: nothing may
    // reach the loopback listener (the JVM's own cache is off in these tests:
    // sun.net.inetaddr.ttl=0).
    try (java.net.ServerSocket inside =
        new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      java.util.concurrent.atomic.AtomicInteger reached =
          new java.util.concurrent.atomic.AtomicInteger();
      Thread.ofVirtual()
          .start(
              () -> {
                while (!inside.isClosed()) {
                  try (java.net.Socket accepted = inside.accept()) {
                    reached.incrementAndGet();
                  } catch (java.io.IOException closed) {
                    return;
                  }
                }
              });
      String url = "https://" + RebindingResolver.HOST + ":" + inside.getLocalPort() + "/a.png";
      GuardedFetch quick = new GuardedFetch(new PublicUrls(false), Duration.ofMillis(500));

      RebindingResolver.reset();
      assertThatThrownBy(
              () -> quick.download(url, 1_000, Duration.ofSeconds(2), new ByteArrayOutputStream()))
          .isInstanceOf(java.io.IOException.class);
      RebindingResolver.reset();
      assertThat(quick.size(url, Duration.ofSeconds(2))).isEmpty();

      assertThat(RebindingResolver.lookups()).isEqualTo(1);
      assertThat(reached).hasValue(0);
    }
  }

  @Test
  void a_redirect_is_checked_like_the_url_itself() throws Exception {
    String toFile =
        SERVER.baseUrl()
            + "/files/redirect?to="
            + URLEncoder.encode("file:///etc/passwd", StandardCharsets.UTF_8);
    String toScript =
        SERVER.baseUrl()
            + "/files/redirect?to="
            + URLEncoder.encode("javascript:alert(1)", StandardCharsets.UTF_8);
    String toFileServer =
        SERVER.baseUrl()
            + "/files/redirect?to="
            + URLEncoder.encode(SERVER.fileUrl("ok.png", 7), StandardCharsets.UTF_8);

    assertThatThrownBy(
            () ->
                PRIVATE_ALLOWED.download(
                    toFile, 1_000, Duration.ofSeconds(5), new ByteArrayOutputStream()))
        .isInstanceOf(GuardedFetch.Refused.class)
        .hasMessageContaining("redirect refused");
    assertThatThrownBy(
            () ->
                PRIVATE_ALLOWED.download(
                    toScript, 1_000, Duration.ofSeconds(5), new ByteArrayOutputStream()))
        .isInstanceOf(GuardedFetch.Refused.class)
        .hasMessageContaining("redirect refused");
    ByteArrayOutputStream followed = new ByteArrayOutputStream();
    assertThat(PRIVATE_ALLOWED.download(toFileServer, 1_000, Duration.ofSeconds(5), followed))
        .isEqualTo(7);
  }

  @Test
  void a_chain_of_more_redirects_than_allowed_ends() throws Exception {
    String url = SERVER.fileUrl("deep.png", 7);
    for (int hop = 0; hop <= GuardedFetch.MAX_REDIRECTS; hop++) {
      url =
          SERVER.baseUrl() + "/files/redirect?to=" + URLEncoder.encode(url, StandardCharsets.UTF_8);
    }
    String tooDeep = url;
    assertThatThrownBy(
            () ->
                PRIVATE_ALLOWED.download(
                    tooDeep, 1_000, Duration.ofSeconds(5), new ByteArrayOutputStream()))
        .isInstanceOf(GuardedFetch.Refused.class)
        .hasMessageContaining("redirects");
  }

  @Test
  void a_body_over_the_cap_is_cut_off() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThatThrownBy(
            () ->
                PRIVATE_ALLOWED.download(
                    SERVER.fileUrl("big.png", 300_000), 100_000, Duration.ofSeconds(10), out))
        .isInstanceOf(GuardedFetch.Refused.class)
        .hasMessageContaining("larger than");
    assertThat(out.size()).isLessThanOrEqualTo(100_000);
  }

  @Test
  void a_dripping_body_is_cut_off_at_the_deadline() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThatThrownBy(
            () ->
                PRIVATE_ALLOWED.download(
                    SERVER.baseUrl() + "/files/drip?every=200",
                    1_000_000,
                    Duration.ofSeconds(2),
                    out))
        .isInstanceOf(GuardedFetch.Refused.class)
        .hasMessageContaining("deadline");
    assertThat(out.size()).as("a few drips, not a minute of them").isLessThan(60);
  }
}
