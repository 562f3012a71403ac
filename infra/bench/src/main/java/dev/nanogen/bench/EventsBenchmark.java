package dev.nanogen.bench;

import dev.nanogen.local.ChildProcess;
import dev.nanogen.local.LocalStack;
import dev.nanogen.local.StackSettings;
import dev.nanogen.testkit.InitDataSigner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/**
 * What idle GET /api/events streams cost the gateway (alone, with its broker and the machine's
 * PostgreSQL): {@code streams} users each open one stream; the gateway's threads, heap in use
 * (after a GC) and RSS are read before and after; then one event per user is committed and the time
 * until every stream has it is measured (the tail's fan-out). The footprint with the streams is
 * read 70 s after the last one opened, once the request threads of the burst of connects have idled
 * out. Usage: {@code EventsBenchmark [streams=1000]}; see infra/bin/bench-events.
 */
public final class EventsBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private EventsBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    try (LocalStack stack = BenchStack.start(List.of("api-gateway"))) {
      run(stack, count);
    }
    System.exit(0);
  }

  private static void run(LocalStack stack, int count) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    InitDataSigner signer = new InitDataSigner(StackSettings.LOCAL_BOT_TOKEN);
    ChildProcess gateway = stack.process("api-gateway").orElseThrow();
    String actuator = "http://127.0.0.1:" + LocalStack.managementPort(stack.port("api-gateway"));
    // Every user signs in first, so that opening the streams measures the streams only.
    for (int u = 0; u < count; u++) {
      http.send(
          HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/me"))
              .header("Authorization", "tma " + signer.sign(6_000_000L + u, "Idle", "en"))
              .build(),
          HttpResponse.BodyHandlers.discarding());
    }
    Footprint before = footprint(http, actuator, gateway);
    CountDownLatch connected = new CountDownLatch(count);
    CountDownLatch delivered = new CountDownLatch(count);
    AtomicInteger failed = new AtomicInteger();
    List<Stream<String>> open = new ArrayList<>();
    for (int u = 0; u < count; u++) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/events"))
              .header("Authorization", "tma " + signer.sign(6_000_000L + u, "Idle", "en"))
              .build();
      http.sendAsync(request, HttpResponse.BodyHandlers.ofLines())
          .thenAccept(
              response -> {
                if (response.statusCode() != 200) {
                  failed.incrementAndGet();
                  return;
                }
                synchronized (open) {
                  open.add(response.body());
                }
                Thread.ofVirtual()
                    .start(
                        () ->
                            response
                                .body()
                                .forEach(
                                    line -> {
                                      if (line.equals(": connected") || line.equals(":connected")) {
                                        connected.countDown();
                                      } else if (line.startsWith("event:balance")
                                          || line.startsWith("event: balance")) {
                                        delivered.countDown();
                                      }
                                    }));
              });
    }
    boolean all = connected.await(120, TimeUnit.SECONDS);
    // The burst of connects grew Tomcat's request pool; its idle threads leave after 60 s.
    Thread.sleep(70_000);
    Footprint after = footprint(http, actuator, gateway);
    if (Boolean.getBoolean("nanogen.bench.histogram")) {
      java.nio.file.Path jcmd =
          java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd");
      new ProcessBuilder(jcmd.toString(), Long.toString(gateway.pid()), "GC.class_histogram")
          .redirectErrorStream(true)
          .inheritIO()
          .start()
          .waitFor(60, TimeUnit.SECONDS);
    }
    System.out.printf(
        "events: %d streams open (%s, %d refused)%n",
        count - connected.getCount(), all ? "all" : "NOT all", failed.get());
    System.out.printf("gateway before: %s%ngateway with the streams: %s%n", before, after);
    System.out.printf(
        "per 1000 streams: +%.0f live threads, +%.1f MB heap in use, +%.1f MB RSS%n",
        (after.threads - before.threads) * 1000.0 / count,
        (after.heapMb - before.heapMb) * 1000.0 / count,
        (after.rssMb - before.rssMb) * 1000.0 / count);
    BenchmarkTable.record(
        BenchmarkTable.EVENTS,
        "infra/bin/bench-events " + count,
        String.format(
            java.util.Locale.ROOT,
            "%d streams open (%d refused); +%d live threads, +%.0f MB heap in use",
            count - connected.getCount(),
            failed.get(),
            after.threads - before.threads,
            after.heapMb - before.heapMb),
        all ? Double.valueOf(Math.max(0, after.threads - before.threads)) : null);
    long began = System.nanoTime();
    try (Connection db = BenchStack.connect(stack);
        PreparedStatement insert =
            db.prepareStatement("INSERT INTO user_events (user_id, kind) VALUES (?, 'balance')")) {
      for (int u = 0; u < count; u++) {
        insert.setLong(1, 6_000_000L + u);
        insert.addBatch();
      }
      insert.executeBatch();
    }
    boolean everyone = delivered.await(120, TimeUnit.SECONDS);
    System.out.printf(
        "fan-out: one event to each of %d streams in %.2f s (%s)%n",
        count,
        (System.nanoTime() - began) / 1e9,
        everyone ? "all delivered" : delivered.getCount() + " missing");
    synchronized (open) {
      for (Stream<String> stream : open) {
        try {
          stream.close();
        } catch (RuntimeException e) {
          // the subscription is cancelled: what closing a stream means
        }
      }
    }
  }

  private record Footprint(long threads, double heapMb, double rssMb) {
    @Override
    public String toString() {
      return String.format(
          "%d live threads, %.1f MB heap in use, %.1f MB RSS", threads, heapMb, rssMb);
    }
  }

  private static Footprint footprint(HttpClient http, String actuator, ChildProcess gateway)
      throws Exception {
    // A full GC in the gateway first (jcmd next to the JDK's java), so heap in use is what is live.
    java.nio.file.Path jcmd = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd");
    new ProcessBuilder(jcmd.toString(), Long.toString(gateway.pid()), "GC.run")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor(30, TimeUnit.SECONDS);
    Thread.sleep(1_000);
    long threads = metric(http, actuator, "jvm.threads.live", "").longValue();
    double heap =
        metric(http, actuator, "jvm.memory.used", "?tag=area:heap").doubleValue() / (1024 * 1024);
    return new Footprint(threads, heap, BenchStack.rssKb(gateway.pid()) / 1024.0);
  }

  private static Number metric(HttpClient http, String actuator, String name, String query)
      throws Exception {
    String body =
        http.send(
                HttpRequest.newBuilder(URI.create(actuator + "/actuator/metrics/" + name + query))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return JSON.readTree(body).path("measurements").path(0).path("value").asDouble();
  }
}
