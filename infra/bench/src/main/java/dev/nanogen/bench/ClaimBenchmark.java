package dev.nanogen.bench;

import dev.nanogen.local.LocalStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the cancel rule costs each generation: the time from a worker's claim (GenerationStarted
 * with a claim id) to the gateway's answer (GenerationClaimed, through the outbox), read from the
 * worker's {@code nanogen.worker.claim.wait} histogram, at a steady rate of image starts on the
 * whole stack.
 *
 * <p>Usage: {@code ClaimBenchmark [rate=20] [seconds=30]}.
 */
public final class ClaimBenchmark {
  private static final Pattern BUCKET =
      Pattern.compile("nanogen_worker_claim_wait_seconds_bucket\\{([^}]*)} ([0-9.E+-]+)");
  private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    HttpClient http = HttpClient.newHttpClient();
    try (LocalStack stack =
        BenchStack.start(
            List.of("api-gateway", "generation-worker", "notifier"),
            "nanogen_bench_claims",
            1_000)) {
      int users = Math.max(50, rate * seconds / 5);
      List<String> auth = BenchStack.signIn(stack, http, 70_000_000L, users);
      String prometheus =
          "http://127.0.0.1:"
              + LocalStack.managementPort(stack.port("generation-worker"))
              + "/actuator/prometheus";
      run(stack, http, auth, rate, 10, 0);
      Map<Double, Double> before = buckets(http, prometheus);
      int started = run(stack, http, auth, rate, seconds, 1);
      Thread.sleep(5_000);
      Map<Double, Double> after = buckets(http, prometheus);
      Map<Double, Double> measured = new TreeMap<>();
      after.forEach((le, count) -> measured.put(le, count - before.getOrDefault(le, 0.0)));
      double total = measured.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
      System.out.printf(
          "RESULT claims=%.0f (starts=%d) claim_wait_p50<=%s p90<=%s p99<=%s max_bucket<=%s%n",
          total,
          started,
          quantile(measured, total, 0.50),
          quantile(measured, total, 0.90),
          quantile(measured, total, 0.99),
          quantile(measured, total, 1.0));
    }
  }

  /**
   * Starts flux-schnell images at {@code rate} per second for {@code seconds}, round-robin over
   * users.
   */
  private static int run(
      LocalStack stack, HttpClient http, List<String> auth, int rate, int seconds, int pass)
      throws Exception {
    URI start = URI.create(stack.gatewayUrl() + "/api/generation/start");
    Instant began = Instant.now();
    int count = rate * seconds;
    List<java.util.concurrent.CompletableFuture<HttpResponse<Void>>> calls = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long due = began.toEpochMilli() + i * 1000L / rate;
      long wait = due - System.currentTimeMillis();
      if (wait > 0) {
        Thread.sleep(wait);
      }
      String body =
          "{\"model_id\":\"flux-schnell\",\"prompt\":\"claim bench " + pass + "-" + i + "\"}";
      calls.add(
          http.sendAsync(
              HttpRequest.newBuilder(start)
                  .header("Authorization", auth.get(i % auth.size()))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.discarding()));
    }
    int accepted = 0;
    for (var call : calls) {
      accepted += call.get().statusCode() == 202 ? 1 : 0;
    }
    return accepted;
  }

  private static Map<Double, Double> buckets(HttpClient http, String url) throws Exception {
    String text =
        http.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Map<Double, Double> buckets = new TreeMap<>();
    Matcher m = BUCKET.matcher(text);
    while (m.find()) {
      Matcher le = LE.matcher(m.group(1));
      if (!m.group(1).contains("granted=\"true\"") || !le.find()) {
        continue;
      }
      buckets.merge(
          le.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le.group(1)),
          Double.parseDouble(m.group(2)),
          Double::sum);
    }
    return buckets;
  }

  /** The smallest bucket bound holding the quantile, in milliseconds. */
  private static String quantile(Map<Double, Double> cumulative, double total, double q) {
    for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
      if (bucket.getValue() >= Math.ceil(q * total)) {
        return bucket.getKey().isInfinite()
            ? "inf"
            : String.format("%.1fms", bucket.getKey() * 1000);
      }
    }
    return "n/a";
  }
}
