package dev.nanogen.bench;

import dev.nanogen.local.LocalStack;
import dev.nanogen.local.StackSettings;
import dev.nanogen.testkit.InitDataSigner;
import dev.nanogen.testkit.TelegramStub;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chaos run (issue 6): the whole stack under a mixed load — many users, images and videos,
 * cancels, duplicate keyed requests, starts without enough credits, packs bought with Telegram
 * Stars (payments delivered again as Telegram retries) — against a sandbox that fails now and then,
 * while the gateway, the worker and the notifier are killed with SIGKILL and restarted and the
 * Kafka broker is stopped for 30 s. Then it waits for quiescence and checks, from the database, the
 * sandbox's counters and the Telegram stub's record, that nothing was lost or doubled: every charge
 * credited once and confirmed once. Prints one summary line; exits 1 on any violation.
 *
 * <p>Usage: {@code ChaosRun [users=300] [seconds=180]}; needs NANOGEN_ADMIN_TOKEN in its
 * environment (the services inherit it), see infra/bin/chaos.
 */
public final class ChaosRun {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final LocalStack stack;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final InitDataSigner signer = new InitDataSigner(StackSettings.LOCAL_BOT_TOKEN);
  private final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
  private final AtomicInteger cancels = new AtomicInteger();
  private final AtomicInteger duplicates = new AtomicInteger();
  private final AtomicInteger notifierKills = new AtomicInteger();

  /**
   * The charges Telegram made (a checkout answered ok, then paid), by user: each must be credited
   * once.
   */
  private final Map<Long, AtomicInteger> chargesByUser = new ConcurrentHashMap<>();

  private final AtomicInteger charges = new AtomicInteger();
  private final AtomicInteger paymentRepeats = new AtomicInteger();

  /** The notifier's listener threads: how many sends one SIGKILL can catch in flight. */
  static final int NOTIFIER_IN_FLIGHT = 2;

  private final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());

  private ChaosRun(LocalStack stack) {
    this.stack = stack;
  }

  public static void main(String[] args) throws Exception {
    int users = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 180;
    String adminToken = System.getenv("NANOGEN_ADMIN_TOKEN");
    if (adminToken == null || adminToken.isBlank()) {
      System.err.println("set NANOGEN_ADMIN_TOKEN (infra/bin/chaos does)");
      System.exit(2);
    }
    int exit;
    try (LocalStack stack = BenchStack.start(LocalStack.SERVICES, "nanogen_chaos", 60)) {
      exit = new ChaosRun(stack).run(users, seconds, adminToken);
    }
    System.exit(exit);
  }

  private int run(int users, int seconds, String adminToken) throws Exception {
    try (Connection db = BenchStack.connect(stack);
        Statement s = db.createStatement()) {
      // Shorter model deadlines, so that a generation whose worker died ends within the run.
      s.execute("UPDATE models SET deadline_seconds = 90 WHERE kind = 'video'");
      s.execute("UPDATE models SET deadline_seconds = 60 WHERE kind = 'image'");
    }
    stack.sandbox().configure(Duration.ofMillis(300), 0.05);
    long began = System.nanoTime();
    long end = began + Duration.ofSeconds(seconds).toNanos();
    try (ExecutorService load = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int u = 0; u < users; u++) {
        long user = 8_000_000L + u;
        load.submit(() -> userLoop(user, end));
      }
      chaos(began, seconds);
    }
    System.out.println(
        "load done after "
            + (System.nanoTime() - began) / 1_000_000_000
            + " s; answers "
            + answers);
    awaitQuiescence(Duration.ofMinutes(15));
    return check(adminToken);
  }

  /**
   * One user: starts now and then, some keyed twice, some cancelled, and now and then buys a pack,
   * until the run ends.
   */
  private void userLoop(long user, long end) {
    String init = signer.sign(user, "Chaos", List.of("en", "ru", "uz").get((int) (user % 3)));
    Random random = new Random(user);
    int seq = 0;
    while (System.nanoTime() < end) {
      sleep(Duration.ofMillis(5_000 + random.nextInt(40_000)));
      seq++;
      if (random.nextInt(100) < 6) {
        buy(user, init, random, seq);
        continue;
      }
      boolean video = random.nextInt(100) < 15;
      String prompt = "chaos u" + user + " g" + seq + (video ? " [polls:3]" : "");
      String model = video ? "kling-video" : (random.nextBoolean() ? "flux-schnell" : "flux-pro");
      String body = "{\"model_id\":\"" + model + "\",\"prompt\":\"" + prompt + "\"}";
      String key = random.nextInt(100) < 10 ? "k-" + user + "-" + seq : null;
      JsonNode started;
      if (key != null) {
        duplicates.incrementAndGet();
        try (ExecutorService twice = Executors.newVirtualThreadPerTaskExecutor()) {
          var first = twice.submit(() -> start(init, body, key));
          var second = twice.submit(() -> start(init, body, key));
          started = first.get() != null ? first.get() : second.get();
        } catch (Exception e) {
          started = null;
        }
      } else {
        started = start(init, body, null);
      }
      if (started != null && random.nextInt(100) < 10) {
        sleep(Duration.ofMillis(random.nextInt(2_000)));
        cancels.incrementAndGet();
        call(
            HttpRequest.newBuilder(
                    URI.create(
                        stack.gatewayUrl()
                            + "/api/generation/"
                            + started.path("generation_id").asString()
                            + "/cancel"))
                .header("Authorization", "tma " + init)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            "cancel");
      }
    }
  }

  /**
   * Buys a pack as the Mini App and Telegram would: an invoice (its key sent again now and then),
   * the pre-checkout delivered to the webhook, and — if the bot said ok, so Telegram charges — the
   * successful_payment delivered until the webhook answers 200, as Telegram retries; sometimes
   * delivered once more as another update of the same charge.
   */
  private void buy(long user, String init, Random random, int seq) {
    String pack = List.of("small", "medium", "large").get(random.nextInt(3));
    String key = "pay-" + user + "-" + seq;
    HttpRequest invoiceRequest =
        HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/payments/invoice"))
            .header("Authorization", "tma " + init)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString("{\"pack_id\":\"" + pack + "\"}"))
            .build();
    HttpResponse<String> invoice = call(invoiceRequest, "invoice");
    if (random.nextInt(100) < 20) {
      HttpResponse<String> again = call(invoiceRequest, "invoice");
      invoice = invoice != null && invoice.statusCode() == 200 ? invoice : again;
    }
    if (invoice == null || invoice.statusCode() != 200) {
      return;
    }
    TelegramStub telegram = stack.telegram();
    TelegramStub.Invoice sent =
        telegram.invoice(JSON.readTree(invoice.body()).path("invoice_link").asString());
    String queryId = "chaos-pcq-" + user + "-" + seq;
    try {
      answers
          .computeIfAbsent(
              "checkout "
                  + telegram.deliver(
                      TelegramStub.preCheckoutQuery(
                          telegram.nextUpdateId(),
                          queryId,
                          user,
                          sent.payload(),
                          sent.currency(),
                          sent.amount())),
              k -> new AtomicInteger())
          .incrementAndGet();
    } catch (RuntimeException e) {
      answers.computeIfAbsent("checkout unreachable", k -> new AtomicInteger()).incrementAndGet();
      return; // no answer within Telegram's 10 s: the purchase is cancelled, nothing charged
    }
    boolean ok =
        telegram.checkoutAnswers().stream().anyMatch(a -> a.queryId().equals(queryId) && a.ok());
    if (!ok) {
      return;
    }
    String charge = telegram.newChargeId();
    charges.incrementAndGet();
    chargesByUser.computeIfAbsent(user, u -> new AtomicInteger()).incrementAndGet();
    deliverUntilAnswered(
        TelegramStub.successfulPayment(
            telegram.nextUpdateId(), user, sent.payload(), sent.currency(), sent.amount(), charge));
    if (random.nextInt(100) < 30) {
      paymentRepeats.incrementAndGet();
      deliverUntilAnswered(
          TelegramStub.successfulPayment(
              telegram.nextUpdateId(),
              user,
              sent.payload(),
              sent.currency(),
              sent.amount(),
              charge));
    }
  }

  /** Telegram's webhook delivery: repeated every 2 s until a 200, for up to 10 minutes. */
  private void deliverUntilAnswered(Map<String, Object> update) {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        int status = stack.telegram().deliver(update);
        answers.computeIfAbsent("payment " + status, k -> new AtomicInteger()).incrementAndGet();
        if (status == 200) {
          return;
        }
      } catch (RuntimeException e) {
        answers.computeIfAbsent("payment unreachable", k -> new AtomicInteger()).incrementAndGet();
      }
      sleep(Duration.ofSeconds(2));
    }
  }

  private JsonNode start(String init, String body, String key) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/generation/start"))
            .header("Authorization", "tma " + init)
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Idempotency-Key", key);
    }
    HttpResponse<String> answer = call(request.build(), "start");
    return answer != null && answer.statusCode() == 202 ? JSON.readTree(answer.body()) : null;
  }

  private HttpResponse<String> call(HttpRequest request, String what) {
    try {
      HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
      answers
          .computeIfAbsent(what + " " + answer.statusCode(), k -> new AtomicInteger())
          .incrementAndGet();
      return answer;
    } catch (Exception e) {
      answers.computeIfAbsent(what + " unreachable", k -> new AtomicInteger()).incrementAndGet();
      return null;
    }
  }

  /** SIGKILLs and restarts each service at random moments, and stops the broker for 30 s once. */
  private void chaos(long began, int seconds) throws Exception {
    Random random = ThreadLocalRandom.current();
    double scale = seconds / 180.0;
    List<String> plan =
        List.of(
            "generation-worker",
            "api-gateway",
            "notifier",
            "kafka",
            "generation-worker",
            "api-gateway",
            "notifier");
    double[] at = {20, 45, 70, 95, 140, 155, 170};
    for (int i = 0; i < plan.size(); i++) {
      long due = began + (long) ((at[i] + random.nextInt(8) - 4) * scale * 1e9);
      sleep(Duration.ofNanos(Math.max(0, due - System.nanoTime())));
      String target = plan.get(i);
      long t = (System.nanoTime() - began) / 1_000_000_000;
      if (target.equals("kafka")) {
        events.add("t=" + t + "s kafka stopped for 30 s");
        stack.stopKafka();
        sleep(Duration.ofSeconds(30));
        stack.startKafka();
      } else {
        events.add("t=" + t + "s kill -9 " + target);
        if (target.equals("notifier")) {
          notifierKills.incrementAndGet();
        }
        stack.kill(target);
        sleep(Duration.ofSeconds(2 + random.nextInt(4)));
        stack.restart(target);
      }
      System.out.println("chaos: " + events.getLast());
    }
  }

  /**
   * Waits until no generation is open, no outbox row is waiting, every ended generation's result
   * notice has left the notifier (sent, or finally refused by Telegram), and no new Telegram
   * message came for 15 s after that. The notices are waited for, not inferred from a quiet spell:
   * a notifier killed mid-send holds its chats until their lease runs out (20 s), and a quiet spell
   * once ended a run while five notices of such a chat and the last generation's were still owed.
   */
  private void awaitQuiescence(Duration atMost) throws Exception {
    long deadline = System.nanoTime() + atMost.toNanos();
    int lastMessages = -1;
    long quietSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      long open;
      long queued;
      long owed;
      try (Connection db = BenchStack.connect(stack);
          Statement s = db.createStatement()) {
        open =
            count(s, "SELECT count(*) FROM generations WHERE status IN ('pending', 'processing')");
        queued = count(s, "SELECT count(*) FROM outbox_pending WHERE NOT blocked");
        owed =
            count(
                s,
                """
            SELECT (SELECT count(*) FROM generations g
                    WHERE g.status IN ('completed', 'failed', 'cancelled')
                      AND NOT EXISTS (SELECT 1 FROM notifier.deliveries d
                                      WHERE d.generation_id = g.id AND d.kind = 'RESULT' AND d.state <> 'PENDING'))
                 + (SELECT count(*) FROM payments p
                    WHERE p.status <> 'created'
                      AND NOT EXISTS (SELECT 1 FROM notifier.deliveries d
                                      WHERE d.generation_id = p.id AND d.kind = 'PURCHASE' AND d.state <> 'PENDING'))
            """);
      }
      int messages = stack.telegram().messages().size();
      if (messages != lastMessages || open > 0 || queued > 0 || owed > 0) {
        lastMessages = messages;
        quietSince = System.nanoTime();
      }
      if (System.nanoTime() - quietSince > Duration.ofSeconds(15).toNanos()) {
        return;
      }
      System.out.printf(
          "waiting for quiescence: %d open, %d queued, %d notices owed, %d messages%n",
          open, queued, owed, messages);
      sleep(Duration.ofSeconds(5));
    }
    System.out.println("no quiescence before the time limit");
  }

  private int check(String adminToken) throws Exception {
    Map<String, Long> figures = new java.util.LinkedHashMap<>();
    Map<Long, Long> terminalByUser = new HashMap<>();
    List<String> prompts = new ArrayList<>();
    List<String> cancelledPrompts = new ArrayList<>();
    try (Connection db = BenchStack.connect(stack);
        Statement s = db.createStatement()) {
      figures.put("generations", count(s, "SELECT count(*) FROM generations"));
      figures.put(
          "completed", count(s, "SELECT count(*) FROM generations WHERE status = 'completed'"));
      figures.put("failed", count(s, "SELECT count(*) FROM generations WHERE status = 'failed'"));
      figures.put(
          "timed_out", count(s, "SELECT count(*) FROM generations WHERE error_code = 'TIMEOUT'"));
      figures.put(
          "cancelled", count(s, "SELECT count(*) FROM generations WHERE status = 'cancelled'"));
      figures.put(
          "open",
          count(s, "SELECT count(*) FROM generations WHERE status IN ('pending', 'processing')"));
      figures.put(
          "settled_twice",
          count(
              s,
              "SELECT count(*) FROM (SELECT generation_id FROM ledger WHERE kind IN ('CAPTURE','RELEASE') GROUP BY generation_id HAVING count(*) > 1) x"));
      figures.put(
          "negative_users",
          count(s, "SELECT count(*) FROM users WHERE credits_available < 0 OR credits_held < 0"));
      figures.put(
          "same_key_twice",
          count(
              s,
              "SELECT count(*) FROM (SELECT user_id, prompt FROM generations GROUP BY user_id, prompt HAVING count(*) > 1) x"));
      try (ResultSet rs =
          s.executeQuery(
              "SELECT user_id, count(*) FROM generations WHERE status IN ('completed','failed','cancelled') GROUP BY user_id")) {
        while (rs.next()) {
          terminalByUser.put(rs.getLong(1), rs.getLong(2));
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT prompt FROM generations")) {
        while (rs.next()) {
          prompts.add(rs.getString(1));
        }
      }
      try (ResultSet rs =
          s.executeQuery("SELECT prompt FROM generations WHERE status = 'cancelled'")) {
        while (rs.next()) {
          cancelledPrompts.add(rs.getString(1));
        }
      }
    }
    // The cancel rule: a generation that ended cancelled was never submitted to the provider.
    figures.put(
        "cancelled_submitted",
        cancelledPrompts.stream().filter(p -> stack.sandbox().submissions(p) > 0).count());
    HttpResponse<String> reconcile =
        http.send(
            HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/admin/reconcile"))
                .header("Authorization", "Bearer " + adminToken)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode report = JSON.readTree(reconcile.body());
    figures.put("reconcile_users", (long) report.path("users_out_of_balance").size());
    figures.put("reconcile_open_holds", (long) report.path("holds_on_terminal_generations").size());
    figures.put("reconcile_payments", (long) report.path("payments_out_of_balance").size());
    // Every charge Telegram made is credited exactly once, and no Star is taken by no invoice.
    Map<Long, Long> paidByUser = new HashMap<>();
    try (Connection db = BenchStack.connect(stack);
        Statement s = db.createStatement()) {
      figures.put("charges", (long) charges.get());
      figures.put("charge_repeats", (long) paymentRepeats.get());
      figures.put("paid", count(s, "SELECT count(*) FROM payments WHERE status <> 'created'"));
      figures.put(
          "purchased_twice",
          count(
              s,
              "SELECT count(*) FROM (SELECT payment_id FROM ledger WHERE kind = 'PURCHASE' GROUP BY payment_id HAVING count(*) > 1) x"));
      figures.put("payment_anomalies", count(s, "SELECT count(*) FROM payment_anomalies"));
      // With two provider routes (infra/bin/chaos sets NANOGEN_LOCAL_FLAKY_ROUTE): who completed
      // what.
      figures.put(
          "completed_on_flaky",
          count(
              s,
              "SELECT count(*) FROM generations WHERE status = 'completed' AND provider_route = 'flaky'"));
      figures.put(
          "completed_on_steady",
          count(
              s,
              "SELECT count(*) FROM generations WHERE status = 'completed' AND provider_route = 'steady'"));
      figures.put(
          "completed_without_route",
          count(
              s,
              "SELECT count(*) FROM generations WHERE status = 'completed' AND provider_route IS NULL"));
      try (ResultSet rs =
          s.executeQuery(
              "SELECT user_id, count(*) FROM payments WHERE status <> 'created' GROUP BY user_id")) {
        while (rs.next()) {
          paidByUser.put(rs.getLong(1), rs.getLong(2));
        }
      }
    }
    long chargesMisapplied = 0;
    for (Map.Entry<Long, AtomicInteger> user : chargesByUser.entrySet()) {
      chargesMisapplied +=
          Math.abs(user.getValue().get() - paidByUser.getOrDefault(user.getKey(), 0L));
    }
    figures.put("charges_misapplied", chargesMisapplied);
    paidByUser.forEach((user, paid) -> terminalByUser.merge(user, paid, Long::sum));
    Map<String, Integer> submittedTwice = stack.sandbox().acceptedMoreThanOnce();
    figures.put(
        "submitted_twice", submittedTwice.keySet().stream().filter(prompts::contains).count());
    long lost = 0;
    long repeated = 0;
    for (Map.Entry<Long, Long> user : terminalByUser.entrySet()) {
      List<TelegramStub.Message> sent = stack.telegram().messagesTo(user.getKey());
      lost += Math.max(0, user.getValue() - sent.size());
      repeated += Math.max(0, sent.size() - user.getValue());
    }
    figures.put("announced", (long) stack.telegram().messages().size());
    figures.put("announcements_lost", lost);
    figures.put("announcements_repeated", repeated);
    // A SIGKILL between Telegram's answer and the notifier's commit repeats that message (at most
    // one
    // per send in flight); anything beyond that would be a real duplicate.
    long tolerated = (long) notifierKills.get() * NOTIFIER_IN_FLIGHT;
    figures.put("repeats_tolerated", tolerated);
    figures.put("cancel_requests", (long) cancels.get());
    figures.put("keyed_pairs", (long) duplicates.get());
    boolean pass =
        figures.get("open") == 0
            && figures.get("settled_twice") == 0
            && figures.get("negative_users") == 0
            && figures.get("reconcile_users") == 0
            && figures.get("reconcile_open_holds") == 0
            && figures.get("reconcile_payments") == 0
            && figures.get("purchased_twice") == 0
            && figures.get("payment_anomalies") == 0
            && chargesMisapplied == 0
            && figures.get("paid").equals(figures.get("charges"))
            && figures.get("submitted_twice") == 0
            && figures.get("cancelled_submitted") == 0
            && lost == 0
            && repeated <= tolerated
            && figures.get("same_key_twice") == 0
            && figures.get("completed_without_route") == 0;
    System.out.println("chaos events: " + events);
    System.out.println("http answers: " + answers);
    if (!submittedTwice.isEmpty()) {
      System.out.println("submitted twice: " + submittedTwice);
    }
    StringBuilder line = new StringBuilder("chaos:");
    figures.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
    line.append(" RESULT=").append(pass ? "PASS" : "FAIL");
    System.out.println(line);
    return pass ? 0 : 1;
  }

  private static long count(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
