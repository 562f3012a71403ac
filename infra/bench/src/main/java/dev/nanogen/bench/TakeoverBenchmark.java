package dev.nanogen.bench;

import dev.nanogen.local.LocalStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * How long a crash costs in flight: SIGKILL a service holding work, start it again at once, and
 * time from the kill until the last piece of that work is done.
 *
 * <ul>
 *   <li>{@code worker}: {@code count} videos of {@code seconds} s each are submitted and polled by
 *       the one worker; it is killed and restarted; the time is until the last video is completed,
 *       and every video must have been submitted to the provider exactly once.
 *   <li>{@code notifier}: {@code count} image results are owed to chats whose Telegram answers take
 *       {@code seconds} s (large uploads), so the notifier is mid-send when it is killed and
 *       restarted; the time is until the last chat got its message.
 * </ul>
 *
 * <p>{@code lease} sets the lease the killed process held (worker: {@code nanogen.lease.duration};
 * notifier: {@code nanogen.delivery.lease}); {@code 300s} stands in for the time before leases (the
 * 5-minute processing stall, the 3-minute chat reservation).
 *
 * <p>Usage: {@code TakeoverBenchmark worker|notifier [count=8] [seconds=20] [lease=default]}.
 */
public final class TakeoverBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  public static void main(String[] args) throws Exception {
    String what = args.length > 0 ? args[0] : "worker";
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    String lease = args.length > 3 ? args[3] : "default";
    HttpClient http = HttpClient.newHttpClient();
    try (LocalStack stack =
        BenchStack.start(LocalStack.SERVICES, "nanogen_bench_takeover", 1_000)) {
      long firstUser = 80_000_000L + (System.currentTimeMillis() % 100_000) * 100;
      List<String> auth = BenchStack.signIn(stack, http, firstUser, count);
      String module = what.equals("notifier") ? "notifier" : "generation-worker";
      if (!lease.equals("default")) {
        String property =
            module.equals("notifier") ? "nanogen.delivery.lease" : "nanogen.lease.duration";
        stack.restart(module, LocalStack.DEFAULT_JAVA_OPTS + " -D" + property + "=" + lease);
      }
      List<String> ids = new ArrayList<>();
      List<String> prompts = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        long chat = firstUser + i;
        boolean video = module.equals("generation-worker");
        String prompt =
            "takeover " + firstUser + "-" + i + (video ? " [seconds:" + seconds + "]" : "");
        if (!video) {
          stack.telegram().answerSlowly(chat, Duration.ofSeconds(seconds));
        }
        prompts.add(prompt);
        ids.add(start(stack, http, auth.get(i), video ? "kling-video" : "flux-schnell", prompt));
      }
      if (module.equals("generation-worker")) {
        waitUntil(
            () -> prompts.stream().allMatch(p -> stack.sandbox().submissions(p) == 1),
            Duration.ofMinutes(2));
        Thread.sleep(2_000); // their task ids reach the gateway
      } else {
        // Every chat claimed by the notifier (one send waiting on Telegram, the rest on the send
        // gate).
        waitUntil(() -> leased(stack, firstUser, count) == count, Duration.ofMinutes(2));
      }

      long killed = System.nanoTime();
      stack.kill(module);
      stack.telegram().abandonSlowAnswers(); // the killed notifier's uploads died with it
      stack.restart(module);
      long restarted = System.nanoTime();
      if (module.equals("generation-worker")) {
        waitUntil(
            () ->
                ids.stream().allMatch(id -> status(stack, http, auth, ids, id).equals("completed")),
            Duration.ofMinutes(10));
      } else {
        waitUntil(
            () -> {
              for (int i = 0; i < count; i++) {
                if (stack.telegram().messagesTo(firstUser + i).isEmpty()) {
                  return false;
                }
              }
              return true;
            },
            Duration.ofMinutes(10));
      }
      double done = (System.nanoTime() - killed) / 1e9;
      long resubmitted = prompts.stream().filter(p -> stack.sandbox().submissions(p) > 1).count();
      long messages = 0;
      for (int i = 0; i < count; i++) {
        messages += stack.telegram().messagesTo(firstUser + i).size();
      }
      System.out.printf(
          "RESULT %s count=%d seconds=%d lease=%s restart=%.1fs kill_to_last_done=%.1fs submitted_twice=%d messages=%d%n",
          what, count, seconds, lease, (restarted - killed) / 1e9, done, resubmitted, messages);
      boolean once = what.equals("worker") ? resubmitted == 0 : messages == count;
      BenchmarkTable.record(
          what.equals("worker") ? BenchmarkTable.WORKER_TAKEOVER : BenchmarkTable.NOTIFIER_TAKEOVER,
          "infra/bin/bench-takeover " + what + " " + count + " " + seconds,
          String.format(
              java.util.Locale.ROOT,
              "%.1f s from the kill to the last one done; %d submitted twice, %d messages for %d",
              done,
              resubmitted,
              messages,
              count),
          once ? Math.round(done * 100) / 100.0 : null);
    }
  }

  private static String start(
      LocalStack stack, HttpClient http, String auth, String model, String prompt)
      throws Exception {
    String body = JSON.writeValueAsString(java.util.Map.of("model_id", model, "prompt", prompt));
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/generation/start"))
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 202) {
      throw new IllegalStateException("start refused: " + response.body());
    }
    return JSON.readTree(response.body()).path("generation_id").asString();
  }

  private static String status(
      LocalStack stack, HttpClient http, List<String> auth, List<String> ids, String id) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/generation/" + id))
                  .header("Authorization", auth.get(ids.indexOf(id)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(response.body()).path("status").asString("");
    } catch (Exception e) {
      return "";
    }
  }

  private static long leased(LocalStack stack, long firstChat, int count)
      throws java.sql.SQLException {
    try (java.sql.Connection db = BenchStack.connect(stack);
        java.sql.PreparedStatement q =
            db.prepareStatement(
                "SELECT count(*) FROM notifier.chats WHERE chat_id BETWEEN ? AND ? AND leased_by IS NOT NULL")) {
      q.setLong(1, firstChat);
      q.setLong(2, firstChat + count - 1);
      try (java.sql.ResultSet rows = q.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void waitUntil(Condition condition, Duration atMost) throws Exception {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not reached within " + atMost);
      }
      Thread.sleep(200);
    }
  }
}
