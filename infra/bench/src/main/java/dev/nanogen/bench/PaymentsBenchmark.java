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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.json.JsonMapper;

/**
 * Buying packs against the gateway alone (machine PostgreSQL, the local broker), with the Telegram
 * stub as the Bot API and as the paying users: {@code buyers} users at once, each buying {@code
 * purchases} packs in a row — invoice (the gateway calls createInvoiceLink), pre-checkout delivered
 * to the webhook (answered with answerPreCheckoutQuery before the webhook returns), then the
 * successful_payment. Prints the latency of each step (the pre-checkout's is what Telegram's 10 s
 * applies to) and purchases per second, and checks that every purchase was credited once.
 *
 * <p>Usage: {@code PaymentsBenchmark [buyers=50] [purchases=20]}; see infra/bin/bench-payments.
 */
public final class PaymentsBenchmark {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private PaymentsBenchmark() {}

  public static void main(String[] args) throws Exception {
    int buyers = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int purchases = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    try (LocalStack stack = BenchStack.start(List.of("api-gateway"))) {
      run(stack, buyers, purchases);
    }
    System.exit(0);
  }

  private static void run(LocalStack stack, int buyers, int purchases) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    InitDataSigner signer = new InitDataSigner(StackSettings.LOCAL_BOT_TOKEN);
    TelegramStub telegram = stack.telegram();
    ConcurrentLinkedQueue<Long> invoice = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> checkout = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> payment = new ConcurrentLinkedQueue<>();
    AtomicInteger paid = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    // Warm-up: one purchase per buyer is not measured.
    for (int phase = 0; phase < 2; phase++) {
      boolean measured = phase == 1;
      int rounds = measured ? purchases : 1;
      long began = System.nanoTime();
      try (ExecutorService load = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int b = 0; b < buyers; b++) {
          long user = 7_000_000L + b;
          String auth = "tma " + signer.sign(user, "Buyer", "en");
          load.submit(
              () -> {
                for (int i = 0; i < rounds; i++) {
                  long t0 = System.nanoTime();
                  HttpResponse<String> answer =
                      send(
                          http,
                          HttpRequest.newBuilder(
                                  URI.create(stack.gatewayUrl() + "/api/payments/invoice"))
                              .header("Authorization", auth)
                              .header("Content-Type", "application/json")
                              .POST(HttpRequest.BodyPublishers.ofString("{\"pack_id\":\"small\"}"))
                              .build());
                  long t1 = System.nanoTime();
                  if (answer == null || answer.statusCode() != 200) {
                    failed.incrementAndGet();
                    continue;
                  }
                  TelegramStub.Invoice sent =
                      telegram.invoice(
                          JSON.readTree(answer.body()).path("invoice_link").asString());
                  String query = "bench-" + user + "-" + System.nanoTime();
                  telegram.deliver(
                      TelegramStub.preCheckoutQuery(
                          telegram.nextUpdateId(),
                          query,
                          user,
                          sent.payload(),
                          "XTR",
                          sent.amount()));
                  long t2 = System.nanoTime();
                  int status =
                      telegram.deliver(
                          TelegramStub.successfulPayment(
                              telegram.nextUpdateId(),
                              user,
                              sent.payload(),
                              "XTR",
                              sent.amount(),
                              telegram.newChargeId()));
                  long t3 = System.nanoTime();
                  if (status != 200) {
                    failed.incrementAndGet();
                    continue;
                  }
                  if (measured) {
                    invoice.add(t1 - t0);
                    checkout.add(t2 - t1);
                    payment.add(t3 - t2);
                    paid.incrementAndGet();
                  }
                }
              });
        }
      }
      if (measured) {
        double seconds = (System.nanoTime() - began) / 1e9;
        System.out.printf(
            "payments: %d buyers × %d purchases: %d paid, %d failed in %.1f s = %.1f purchases/s%n",
            buyers, purchases, paid.get(), failed.get(), seconds, paid.get() / seconds);
      }
    }
    print("invoice (createInvoiceLink + insert)", invoice);
    print("pre-checkout (answered before the webhook returns)", checkout);
    List<Long> checkouts = new ArrayList<>(checkout);
    Collections.sort(checkouts);
    if (!checkouts.isEmpty()) {
      double p99 = checkouts.get((int) (checkouts.size() * 0.99)) / 1e6;
      BenchmarkTable.record(
          BenchmarkTable.PAYMENTS,
          "infra/bin/bench-payments " + buyers + " " + purchases,
          String.format(
              java.util.Locale.ROOT,
              "pre-checkout p50 %.0f ms, p99 %.0f ms over %d checkouts (each purchase's credit is"
                  + " checked below it in the run's output)",
              checkouts.get(checkouts.size() / 2) / 1e6,
              p99,
              checkouts.size()),
          (double) Math.round(p99));
    }
    print("successful_payment (credits + outbox)", payment);
    try (Connection db = BenchStack.connect(stack);
        Statement s = db.createStatement();
        ResultSet rs =
            s.executeQuery(
                """
            SELECT count(*) FILTER (WHERE p.status = 'paid'),
                   (SELECT count(*) FROM ledger WHERE kind = 'PURCHASE'),
                   (SELECT COALESCE(sum(amount), 0) FROM ledger WHERE kind = 'PURCHASE'),
                   (SELECT COALESCE(sum(credits), 0) FROM payments WHERE status = 'paid')
            FROM payments p
            """)) {
      rs.next();
      System.out.printf(
          "check: %d paid payments, %d PURCHASE rows, %d credits added for %d invoiced — %s%n",
          rs.getLong(1),
          rs.getLong(2),
          rs.getLong(3),
          rs.getLong(4),
          rs.getLong(1) == rs.getLong(2) && rs.getLong(3) == rs.getLong(4)
              ? "each credited once"
              : "MISMATCH");
    }
  }

  private static HttpResponse<String> send(HttpClient http, HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      return null;
    }
  }

  private static void print(String step, ConcurrentLinkedQueue<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    if (sorted.isEmpty()) {
      System.out.println(step + ": no samples");
      return;
    }
    Collections.sort(sorted);
    System.out.printf(
        "%s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d)%n",
        step,
        sorted.get(sorted.size() / 2) / 1e6,
        sorted.get((int) (sorted.size() * 0.99)) / 1e6,
        sorted.getLast() / 1e6,
        sorted.size());
  }
}
