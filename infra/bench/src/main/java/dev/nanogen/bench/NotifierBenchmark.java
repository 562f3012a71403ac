package dev.nanogen.bench;

import dev.nanogen.local.LocalStack;
import dev.nanogen.model.GenerationSettled;
import dev.nanogen.model.GenerationStatus;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import dev.nanogen.testkit.TelegramStub;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Notifier benchmark (issue 7): a backlog of {@code results} settled generations for {@code users}
 * users lands on the settled topic at once; {@code replicas} notifier processes send them to the
 * Telegram stub. Reports, from the stub's own receipt times: the send rate over the run against the
 * configured 30/s, the most messages in any one-second window (overall, and for any one chat), the
 * shortest gap between two messages to one chat.
 *
 * <p>Usage: {@code NotifierBenchmark [results=3000] [users=300] [replicas=1]}.
 */
public final class NotifierBenchmark {
  static final double CONFIGURED_RATE = 30;

  public static void main(String[] args) throws Exception {
    int results = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
    int users = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    int replicas = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    // Slow chats: their first send takes this long at Telegram (a large file fetched by URL), while
    // every other chat's messages go on.
    int slowChats = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    int slowSeconds = args.length > 4 ? Integer.parseInt(args[4]) : 6;
    try (LocalStack stack = BenchStack.start(List.of("notifier"), "nanogen_bench_notifier", 0)) {
      for (int replica = 1; replica < replicas; replica++) {
        stack.startReplica("notifier", replica);
      }
      TelegramStub telegram = stack.telegram();
      long firstChat = 7_000_000_000L + (System.currentTimeMillis() % 1_000_000) * 1000;
      for (int i = 0; i < slowChats; i++) {
        telegram.answerSlowly(firstChat + i, Duration.ofSeconds(slowSeconds));
      }
      Instant published = publish(stack, results, users, firstChat);
      System.out.printf(
          "published %d results for %d users (%d notifier process(es), %d chats answering in %d s)%n",
          results, users, replicas, slowChats, slowSeconds);

      Instant deadline = Instant.now().plus(Duration.ofSeconds(results / 20 + 120));
      while (sent(telegram, firstChat) < results && Instant.now().isBefore(deadline)) {
        Thread.sleep(500);
      }
      report(
          telegram.messages().stream()
              .filter(m -> m.chatId() >= firstChat)
              .sorted(Comparator.comparing(TelegramStub.Message::at))
              .toList(),
          results,
          replicas + " " + slowChats + " " + slowSeconds,
          published);
    }
  }

  private static long sent(TelegramStub telegram, long firstChat) {
    return telegram.messages().stream().filter(m -> m.chatId() >= firstChat).count();
  }

  /** Results alternate between a photo (sendPhoto by URL) and a failure (sendMessage). */
  private static Instant publish(LocalStack stack, int results, int users, long firstChat)
      throws Exception {
    String image = stack.sandbox().fileUrl("bench.png", 200_000);
    try (KafkaProducer<String, String> producer = BenchStack.producer(stack)) {
      for (int i = 0; i < results; i++) {
        long chat = firstChat + i % users;
        boolean photo = i % 2 == 0;
        GenerationSettled event =
            new GenerationSettled(
                UUID.randomUUID(),
                Instant.now(),
                GenerationSettled.SCHEMA_VERSION,
                UUID.randomUUID(),
                chat,
                chat,
                "en",
                photo ? GenerationStatus.COMPLETED : GenerationStatus.FAILED,
                "flux-schnell",
                "FLUX Schnell",
                ModelKind.IMAGE,
                "benchmark prompt " + i,
                photo ? List.of(image) : List.of(),
                photo ? null : "TIMEOUT",
                2);
        producer.send(BenchStack.event(Topics.SETTLED, event.generationId().toString(), event));
      }
      producer.flush();
    }
    return Instant.now();
  }

  private static void report(
      List<TelegramStub.Message> messages, int results, String settings, Instant published) {
    if (messages.size() < 2) {
      System.out.println("FAIL: only " + messages.size() + " messages arrived");
      return;
    }
    Instant first = messages.getFirst().at();
    Instant last = messages.getLast().at();
    double seconds = Duration.between(first, last).toNanos() / 1e9;
    double rate = (messages.size() - 1) / seconds;
    List<Integer> windows =
        inOneSecondFromEach(messages.stream().map(TelegramStub.Message::at).toList());
    int maxWindow = Collections.max(windows);

    Map<Long, List<Instant>> byChat = new HashMap<>();
    messages.forEach(m -> byChat.computeIfAbsent(m.chatId(), c -> new ArrayList<>()).add(m.at()));
    int maxChatWindow = 0;
    Duration minGap = null;
    for (List<Instant> times : byChat.values()) {
      maxChatWindow = Math.max(maxChatWindow, Collections.max(inOneSecondFromEach(times)));
      for (int i = 1; i < times.size(); i++) {
        Duration gap = Duration.between(times.get(i - 1), times.get(i));
        minGap = minGap == null || gap.compareTo(minGap) < 0 ? gap : minGap;
      }
    }
    System.out.printf(
        "messages received by the stub: %d of %d (from %d chats)%n",
        messages.size(), results, byChat.size());
    System.out.printf(
        "first message %.2f s after the backlog was published; last %.2f s after%n",
        Duration.between(published, first).toNanos() / 1e9,
        Duration.between(published, last).toNanos() / 1e9);
    System.out.printf(
        "send rate: %.2f messages/s = %.1f %% of the configured %.0f/s%n",
        rate, 100 * rate / CONFIGURED_RATE, CONFIGURED_RATE);
    System.out.printf(
        "most messages in any 1 s window: %d (limit %.0f)%n", maxWindow, CONFIGURED_RATE);
    System.out.printf(
        "most messages to one chat in any 1 s window: %d (limit 1); shortest gap to one chat: %d ms%n",
        maxChatWindow, minGap == null ? -1 : minGap.toMillis());
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < messages.size(); i++) {
      gaps.add(Duration.between(messages.get(i - 1).at(), messages.get(i).at()).toMillis());
    }
    gaps.sort(null);
    System.out.printf(
        "gap between consecutive messages: min %d ms, p1 %d ms, p50 %d ms, p99 %d ms, max %d ms%n",
        gaps.getFirst(),
        gaps.get(gaps.size() / 100),
        gaps.get(gaps.size() / 2),
        gaps.get(gaps.size() * 99 / 100),
        gaps.getLast());
    long over = windows.stream().filter(n -> n > CONFIGURED_RATE).count();
    System.out.printf(
        "1 s windows (one starting at each message) holding more than %.0f: %d of %d%n",
        CONFIGURED_RATE, over, windows.size());
    boolean ok =
        messages.size() == results
            && rate >= 0.95 * CONFIGURED_RATE
            && maxWindow <= CONFIGURED_RATE
            && maxChatWindow <= 1;
    System.out.println(ok ? "PASS" : "FAIL");
    BenchmarkTable.record(
        BenchmarkTable.NOTIFIER_RATE,
        "infra/bin/bench-notifier "
            + results
            + " "
            + byChat.size()
            + " "
            + settings
            + " (results, chats, replicas, slow chats, their seconds)",
        String.format(
            java.util.Locale.ROOT,
            "%d of %d messages, %.2f/s (%.1f %%), at most %d in any 1 s window, at most %d per"
                + " chat per second",
            messages.size(),
            results,
            rate,
            100 * rate / CONFIGURED_RATE,
            maxWindow,
            maxChatWindow),
        messages.size() == results && maxWindow <= CONFIGURED_RATE && maxChatWindow <= 1
            ? Math.round(rate * 100) / 100.0
            : null);
  }

  /** For each instant (sorted), how many instants fall in the window [it, it + 1 s). */
  private static List<Integer> inOneSecondFromEach(List<Instant> sorted) {
    List<Integer> counts = new ArrayList<>();
    for (int from = 0, to = 0; from < sorted.size(); from++) {
      while (to < sorted.size() && sorted.get(to).isBefore(sorted.get(from).plusSeconds(1))) {
        to++;
      }
      counts.add(to - from);
    }
    return counts;
  }
}
