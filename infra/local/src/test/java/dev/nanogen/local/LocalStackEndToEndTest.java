package dev.nanogen.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nanogen.testkit.InitDataSigner;
import dev.nanogen.testkit.SandboxAimlServer;
import dev.nanogen.testkit.TelegramStub;
import dev.nanogen.testkit.TestInfra;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The walking skeleton, real at every hop: the service jars as processes, a standalone Kafka broker
 * process, the test PostgreSQL, the AIML sandbox and the Telegram stub over real HTTP — started by
 * the same launcher as the README's run command.
 */
class LocalStackEndToEndTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static LocalStack stack;
  private static StackSettings settings;
  private static InitDataSigner signer;

  @BeforeAll
  static void startStack() throws IOException {
    Path repository = Path.of("../..").toAbsolutePath().normalize();
    assertThat(repository.resolve("api-gateway/target/api-gateway.jar"))
        .as("the service jars are built by the reactor before this test (run ./mvnw verify)")
        .exists();
    TestInfra.Database db = TestInfra.freshDatabase("nanogen_e2e_test");
    settings =
        new StackSettings(
            repository,
            Files.createTempDirectory("nanogen-e2e"),
            new StackSettings.Database(db.url(), db.username(), db.password()),
            freePort(),
            freePort(),
            freePort(),
            freePort(),
            freePort(),
            freePort(),
            freePort(),
            freePort(),
            "777:E2E-TOKEN",
            "e2e-key",
            50);
    stack = LocalStack.start(settings);
    signer = new InitDataSigner(settings.botToken());
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void an_image_generation_completes_is_captured_kept_and_reaches_the_users_chat()
      throws Exception {
    long user = 9_000_001;
    HttpResponse<String> started = start(user, "flux-schnell", "e2e: a red fox");
    assertThat(started.statusCode()).isEqualTo(202);
    String id = JSON.readTree(started.body()).path("generation_id").asString();

    JsonNode done = awaitStatus(user, id, "completed");
    String url = done.path("result_urls").get(0).asString();
    assertThat(url).startsWith("http://127.0.0.1:" + stack.port("api-gateway") + "/files/");
    assertThat(done.path("results_expired").asBoolean()).isFalse();
    // The provider deletes its copies right after: the kept copy is still served.
    stack.sandbox().deleteCopies();
    HttpResponse<byte[]> kept =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(kept.statusCode()).isEqualTo(200);
    assertThat(kept.body()).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    assertThat(done.path("started_at").isNull())
        .as("GenerationStarted was applied, not dead-lettered")
        .isFalse();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !stack.telegram().messagesTo(user).isEmpty());
    List<TelegramStub.Message> messages = stack.telegram().messagesTo(user);
    assertThat(messages).hasSize(1);
    assertThat(messages.getFirst().method()).isEqualTo("sendPhoto");
    assertThat(messages.getFirst().fields().get("photo"))
        .isEqualTo(done.path("result_urls").get(0).asString());

    JsonNode me = JSON.readTree(get(user, "/api/me").body());
    assertThat(me.path("credits_available").asLong()).isEqualTo(49);
    assertThat(me.path("credits_held").asLong()).isZero();
    assertThat(stack.sandbox().submissions("e2e: a red fox")).isEqualTo(1);
  }

  @Test
  void an_inline_b64_image_is_stored_served_by_the_gateway_and_sent_to_the_chat() throws Exception {
    long user = 9_000_005;
    String id =
        JSON.readTree(start(user, "flux-schnell", "e2e: inline [b64]").body())
            .path("generation_id")
            .asString();

    JsonNode done = awaitStatus(user, id, "completed");
    String url = done.path("result_urls").get(0).asString();
    assertThat(url).startsWith("http://127.0.0.1:" + stack.port("api-gateway") + "/files/");
    HttpResponse<byte[]> file =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(file.statusCode()).isEqualTo(200);
    assertThat(file.headers().firstValue("Content-Type")).hasValue("image/png");
    assertThat(file.body()).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !stack.telegram().messagesTo(user).isEmpty());
    assertThat(stack.telegram().messagesTo(user).getFirst().fields().get("photo")).isEqualTo(url);
  }

  /**
   * One trace per generation: the start request opens it (a caller's own traceparent is not
   * continued; the trace id comes back as X-Correlation-Id), carried through the outbox and Kafka
   * to the worker and back, and on to the notifier: each service's log lines of this generation
   * carry that trace id.
   */
  @Test
  void one_generations_trace_id_is_in_all_three_services_logs_and_no_secret_is_in_any()
      throws Exception {
    long user = 9_000_006;
    String chosen = String.format("%016x%016x", System.nanoTime(), 0x5eed_0000_0000_0001L);
    HttpResponse<String> started =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/generation/start"))
                .header("Authorization", "tma " + signer.sign(user, "E2E", "en"))
                .header("Content-Type", "application/json")
                .header("traceparent", "00-" + chosen + "-00f067aa0ba902b7-01")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model_id\":\"flux-schnell\",\"prompt\":\"e2e: the story\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String traceId = started.headers().firstValue("X-Correlation-Id").orElseThrow();
    assertThat(traceId).as("the trace id, answered").matches("[0-9a-f]{32}").isNotEqualTo(chosen);
    String id = JSON.readTree(started.body()).path("generation_id").asString();
    awaitStatus(user, id, "completed");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !stack.telegram().messagesTo(user).isEmpty());

    Map<String, String> expected =
        Map.of(
            "api-gateway", "credits captured",
            "generation-worker", "completed on route",
            "notifier", "notified chat");
    for (String service : LocalStack.SERVICES) {
      Path log = stack.process(service).orElseThrow().log();
      await(service)
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  storyLines(log, traceId).stream()
                      .anyMatch(
                          line -> line.path("message").asString().contains(expected.get(service))));
      for (JsonNode line : storyLines(log, traceId)) {
        assertThat(line.path("traceId").asString()).as(service).isEqualTo(traceId);
        assertThat(line.path("spanId").asString()).as(service).hasSize(16);
        if (line.has("generation_id")) {
          assertThat(line.path("generation_id").asString()).as(service).isEqualTo(id);
        }
      }
    }
    String workerMetrics = prometheus("generation-worker");
    String notifierMetrics = prometheus("notifier");
    assertThat(workerMetrics)
        .containsPattern(
            "http_client_requests_seconds_count\\{[^}]*provider=\"aiml\"[^}]*uri=\"/v1/images/generations\"");
    assertThat(notifierMetrics)
        .containsPattern(
            "http_client_requests_seconds_count\\{[^}]*provider=\"telegram\"[^}]*uri=\"/bot\\{token}/sendPhoto\"")
        .doesNotContain(settings.botToken());
    for (ChildProcess process : stack.processes()) {
      assertThat(Files.readString(process.log()))
          .as(process.name() + "'s log")
          .doesNotContain(settings.botToken())
          .doesNotContain(settings.aimlApiKey())
          .doesNotContain(StackSettings.LOCAL_ADMIN_TOKEN);
    }
    for (String service : LocalStack.SERVICES) {
      assertThat(Files.readString(stack.process(service).orElseThrow().log()))
          .as("no initData in " + service)
          .doesNotContain("hash=");
    }
  }

  @Test
  void every_metric_on_the_grafana_dashboard_is_exported_after_an_end_to_end_run()
      throws Exception {
    long user = 9_000_007;
    String video =
        JSON.readTree(start(user, "kling-video", "e2e: metrics [polls:2]").body())
            .path("generation_id")
            .asString();
    String refused =
        JSON.readTree(start(user, "flux-schnell", "e2e: metrics refused [fail:400]").body())
            .path("generation_id")
            .asString();
    assertThat(start(user, "no-such-model", "e2e: rejected").statusCode()).isEqualTo(404);
    for (int i = 0; i < 2; i++) {
      HTTP.send(
          HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/generation/start"))
              .header("Authorization", "tma " + signer.sign(user, "E2E", "en"))
              .header("Content-Type", "application/json")
              .header("Idempotency-Key", "e2e-metrics-replay")
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      "{\"model_id\":\"flux-schnell\",\"prompt\":\"e2e: replayed\"}"))
              .build(),
          HttpResponse.BodyHandlers.discarding());
    }
    HttpResponse<String> invoice = invoice(user, "small");
    assertThat(
            stack
                .telegram()
                .pay(user, JSON.readTree(invoice.body()).path("invoice_link").asString())
                .paid())
        .isTrue();
    awaitStatus(user, video, "completed");
    awaitStatus(user, refused, "failed");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> stack.telegram().messagesTo(user).size() >= 4);

    StringBuilder exported = new StringBuilder();
    for (String service : LocalStack.SERVICES) {
      exported.append(
          HTTP.send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + LocalStack.managementPort(stack.port(service))
                                  + "/actuator/prometheus"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body());
    }
    String dashboard = Files.readString(Path.of("../grafana/nanogen-dashboard.json"));
    Set<String> used = new TreeSet<>();
    Matcher metric =
        Pattern.compile("\\b(?:nanogen|resilience4j|kafka)_[a-z0-9_]+").matcher(dashboard);
    while (metric.find()) {
      used.add(metric.group());
    }
    assertThat(used).hasSizeGreaterThan(10);
    for (String name : used) {
      assertThat(exported)
          .as("a service exports " + name + ", which the dashboard shows")
          .contains(name);
    }
    for (String name : AlertRulesTest.metrics()) {
      assertThat(exported)
          .as("a service exports " + name + ", which an alert rule reads")
          .contains(name);
    }
  }

  private static String prometheus(String service) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + LocalStack.managementPort(stack.port(service))
                            + "/actuator/prometheus"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** The JSON log lines of {@code log} that carry {@code traceId}. */
  private static List<JsonNode> storyLines(Path log, String traceId) throws IOException {
    return Files.readAllLines(log).stream()
        .filter(line -> line.startsWith("{") && line.contains(traceId))
        .map(JSON::readTree)
        .toList();
  }

  @Test
  void an_uploaded_photo_is_edited_through_the_stack_and_the_provider_fetches_it_once_signed()
      throws Exception {
    long user = 9_000_060;
    HttpResponse<String> uploaded = upload(user, jpeg(48, 32));
    assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
    String upload = JSON.readTree(uploaded.body()).path("upload_id").asString();

    HttpResponse<String> started =
        startWith(user, "nano-banana-edit", "e2e: make it a painting", upload);
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String id = JSON.readTree(started.body()).path("generation_id").asString();

    JsonNode done = awaitStatus(user, id, "completed");
    assertThat(done.path("input_ids").get(0).asString()).isEqualTo(upload);
    List<SandboxAimlServer.FetchedInput> fetched =
        stack.sandbox().fetchedInputs().stream()
            .filter(input -> input.url().contains("/files/inputs/" + upload))
            .toList();
    assertThat(fetched).hasSize(1);
    assertThat(fetched.getFirst().status()).isEqualTo(200);
    assertThat(fetched.getFirst().contentType()).isEqualTo("image/jpeg");
    assertThat(fetched.getFirst().url()).contains("signature=");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !stack.telegram().messagesTo(user).isEmpty());
    assertThat(stack.telegram().messagesTo(user).getFirst().method()).isEqualTo("sendPhoto");
    JsonNode me = JSON.readTree(get(user, "/api/me").body());
    assertThat(me.path("credits_available").asLong()).isEqualTo(47);

    // The same photo animated: one image_url, a video back, played as video in the chat.
    HttpResponse<String> video =
        startWith(user, "kling-photo-video", "e2e: it moves [polls:2]", upload);
    assertThat(video.statusCode()).as(video.body()).isEqualTo(202);
    awaitStatus(user, JSON.readTree(video.body()).path("generation_id").asString(), "completed");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> stack.telegram().messagesTo(user).size() >= 2);
    assertThat(stack.telegram().messagesTo(user).getLast().method()).isEqualTo("sendVideo");
    assertThat(
            stack.sandbox().fetchedInputs().stream()
                .filter(input -> input.url().contains("/files/inputs/" + upload))
                .count())
        .isEqualTo(2);
  }

  @Test
  void a_photo_sent_to_the_bot_is_edited_by_its_button_and_the_result_reaches_the_chat()
      throws Exception {
    long user = 9_000_061;
    String file = stack.telegram().addFile(jpeg(64, 64));
    assertThat(
            stack
                .telegram()
                .deliver(
                    TelegramStub.photo(
                        stack.telegram().nextUpdateId(),
                        user,
                        "en",
                        file,
                        4000,
                        "e2e: a cat smiles")))
        .isEqualTo(200);
    TelegramStub.Message answer = stack.telegram().messagesTo(user).getLast();
    String data =
        JSON.readTree(String.valueOf(answer.fields().get("reply_markup")))
            .path("inline_keyboard")
            .get(0)
            .get(0)
            .path("callback_data")
            .asString();

    stack
        .telegram()
        .deliver(TelegramStub.callback(stack.telegram().nextUpdateId(), user, "en", "e2e-q", data));

    String id =
        JSON.readTree(get(user, "/api/generations").body())
            .path("items")
            .get(0)
            .path("generation_id")
            .asString();
    awaitStatus(user, id, "completed");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> stack.telegram().messagesTo(user).size() >= 2);
    assertThat(stack.telegram().messagesTo(user).getLast().method()).isEqualTo("sendPhoto");
    assertThat(
            stack.sandbox().fetchedInputs().stream()
                .filter(input -> input.url().contains("/files/inputs/"))
                .anyMatch(input -> input.status() == 200))
        .isTrue();
  }

  private HttpResponse<String> upload(long user, byte[] image) throws Exception {
    String boundary = "e2e-boundary";
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    body.writeBytes(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"me.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    body.writeBytes(image);
    body.writeBytes(
        ("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/uploads"))
            .header("Authorization", "tma " + signer.sign(user, "E2E", "en"))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A JPEG the JDK's encoder writes: what a phone's camera would send, without its metadata. */
  private static byte[] jpeg(int width, int height) throws IOException {
    java.awt.image.BufferedImage image =
        new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int x = 0; x < width; x++) {
      image.setRGB(x, x * height / width, 0xFF8800);
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(image, "jpg", out);
    return out.toByteArray();
  }

  @Test
  void a_video_is_submitted_once_polled_to_completion_and_sent_as_video() throws Exception {
    long user = 9_000_002;
    String id =
        JSON.readTree(start(user, "kling-video", "e2e: waves [polls:2]").body())
            .path("generation_id")
            .asString();

    awaitStatus(user, id, "completed");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !stack.telegram().messagesTo(user).isEmpty());
    assertThat(stack.telegram().messagesTo(user).getFirst().method()).isEqualTo("sendVideo");
    assertThat(stack.sandbox().submissions("e2e: waves [polls:2]")).isEqualTo(1);
    JsonNode me = JSON.readTree(get(user, "/api/me").body());
    assertThat(me.path("credits_available").asLong()).isEqualTo(20);
  }

  /**
   * A SIGKILL leaves no hand-back: the gateway learns of the death only when the worker's lease
   * runs out, and resumes its videos (their task ids) on the restarted worker. Without the lease
   * they would wait for the 5-minute processing stall, past this test's wait.
   */
  @Test
  void a_killed_workers_videos_resume_through_its_lapsed_lease_and_are_never_submitted_again()
      throws Exception {
    List<Long> users = List.of(9_000_030L, 9_000_031L, 9_000_032L, 9_000_033L);
    Map<Long, String> prompts = new java.util.LinkedHashMap<>();
    Map<Long, String> ids = new java.util.LinkedHashMap<>();
    for (long user : users) {
      String prompt = "e2e: lease " + user + " [seconds:12]";
      prompts.put(user, prompt);
      ids.put(
          user,
          JSON.readTree(start(user, "kling-video", prompt).body())
              .path("generation_id")
              .asString());
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> held(ids.values()) == users.size());

    stack.kill("generation-worker");
    stack.restart("generation-worker");

    for (long user : users) {
      awaitStatus(user, ids.get(user), "completed", Duration.ofSeconds(120));
      assertThat(stack.sandbox().submissions(prompts.get(user)))
          .as("submitted once: resumed, not submitted again")
          .isEqualTo(1);
    }
  }

  /**
   * The gateway frozen (SIGSTOP) while a worker claims a video, that worker killed, the gateway
   * resumed 30 s later: the dead worker's claims are read late and its lease has run out, so none
   * is granted; the generation is dispatched again at once, and the next worker submits it, once.
   */
  @Test
  void a_claim_the_gateway_reads_after_its_worker_died_is_not_granted_and_the_video_completes_once()
      throws Exception {
    long user = 9_000_041L; // a user of its own: its result message must not reach another test's
    String prompt = "e2e: frozen gateway [polls:2]";
    stack.kill("generation-worker");
    String id =
        JSON.readTree(start(user, "kling-video", prompt).body()).path("generation_id").asString();
    await().atMost(Duration.ofSeconds(30)).until(() -> unpublished(id) == 0);

    long gateway = stack.process("api-gateway").orElseThrow().pid();
    signal("STOP", gateway);
    try (dev.nanogen.testkit.KafkaProbe outcomes =
        new dev.nanogen.testkit.KafkaProbe(
            "nanogen.generation.outcomes", stack.kafkaBootstrap(), Map.of())) {
      stack.restart("generation-worker");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> !outcomes.withKey(id).isEmpty()); // its claim, unanswered
      stack.kill("generation-worker");
      // Frozen on: the dead worker's lease runs out meanwhile.
      await().pollDelay(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(31)).until(() -> true);
    } finally {
      signal("CONT", gateway);
    }
    stack.restart("generation-worker");

    awaitStatus(user, id, "completed", Duration.ofSeconds(120));
    assertThat(stack.sandbox().submissions(prompt)).as("submitted once").isEqualTo(1);
  }

  private static void signal(String signal, long pid) throws Exception {
    assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor())
        .isZero();
  }

  /** The generation's events the outbox has not published yet. */
  private static long unpublished(String id) throws java.sql.SQLException {
    StackSettings.Database db = stack.database();
    try (var connection =
            java.sql.DriverManager.getConnection(db.url(), db.username(), db.password());
        var statement =
            connection.prepareStatement(
                "SELECT count(*) FROM outbox o JOIN outbox_pending p ON p.id = o.id"
                    + " WHERE o.message_key = ?")) {
      statement.setString(1, id);
      try (var rows = statement.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /**
   * A pack bought through the real webhook (registered by the gateway with setWebhook), the gateway
   * killed the moment the payment is answered — before or after its confirmation left the outbox —
   * and restarted: the credits are added once and the user is told once.
   */
  @Test
  void a_pack_bought_while_the_gateway_is_killed_is_credited_and_confirmed_once() throws Exception {
    long user = 9_000_040L;
    assertThat(stack.telegram().webhook().url()).endsWith("/telegram/webhook");
    JsonNode before = JSON.readTree(get(user, "/api/me").body());
    HttpResponse<String> invoice = invoice(user, "small");
    assertThat(invoice.statusCode()).as(invoice.body()).isEqualTo(200);

    TelegramStub.Purchase purchase =
        stack.telegram().pay(user, JSON.readTree(invoice.body()).path("invoice_link").asString());
    stack.kill("api-gateway");
    stack.restart("api-gateway");

    assertThat(purchase.paid()).isTrue();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !stack.telegram().messagesTo(user).isEmpty());
    // Then no second confirmation for 3 s (a repeat would follow within the relay's next rounds).
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> stack.telegram().messagesTo(user).size() == 1);
    List<TelegramStub.Message> told = stack.telegram().messagesTo(user);
    assertThat(told).hasSize(1);
    assertThat(told.getFirst().fields().get("text").toString()).contains("50 credits added");
    JsonNode after = JSON.readTree(get(user, "/api/me").body());
    assertThat(after.path("credits_available").asLong())
        .isEqualTo(before.path("credits_available").asLong() + 50);
  }

  /**
   * The reference Mini App in Debian's headless Chromium, opened as Telegram opens it outside the
   * client (#tgWebAppData=<signed initData>): it shows the balance and the models, starts a
   * generation and sees it complete through GET /api/events without a reload, and shows a 402
   * problem's message. {@code -Dnanogen.screenshots=true} writes the main states to
   * docs/screenshots.
   */
  @Test
  void the_mini_app_starts_a_generation_sees_it_complete_live_and_shows_a_402() throws Exception {
    long user = 9_000_050L;
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=420,900");
    ChromeDriverService driver =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver"))
            .build();
    WebDriver browser = new ChromeDriver(driver, options);
    try {
      String initData = signer.sign(user, "Browser", "en");
      browser.get(
          stack.gatewayUrl()
              + "/app/#tgWebAppData="
              + java.net.URLEncoder.encode(initData, java.nio.charset.StandardCharsets.UTF_8));
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
      wait.until(d -> d.findElement(By.id("balance")).getText().equals("50 credits"));
      wait.until(d -> d.findElements(By.cssSelector("#model option")).size() >= 5);
      screenshot(browser, "mini-app.png");
      ((JavascriptExecutor) browser).executeScript("window.notReloaded = true;");

      new Select(browser.findElement(By.id("model"))).selectByValue("flux-schnell");
      browser.findElement(By.id("prompt")).sendKeys("e2e: a fox in the browser");
      browser.findElement(By.id("start")).click();
      wait.until(
          d ->
              d.findElements(By.cssSelector("#history li[data-status='completed'] img")).size()
                  == 1);
      wait.until(d -> d.findElement(By.id("balance")).getText().equals("49 credits"));
      assertThat(
              ((JavascriptExecutor) browser).executeScript("return window.notReloaded === true;"))
          .isEqualTo(true);
      screenshot(browser, "mini-app-completed.png");

      new Select(browser.findElement(By.id("model"))).selectByValue("veo-3");
      browser.findElement(By.id("start")).click();
      wait.until(d -> d.findElement(By.id("message")).isDisplayed());
      assertThat(browser.findElement(By.id("message")).getText())
          .isEqualTo("Not enough credits: this costs 60, you have 49.");
      assertThat(browser.findElement(By.id("start")).isEnabled()).isTrue();
      screenshot(browser, "mini-app-402.png");
    } finally {
      browser.quit();
    }
  }

  /**
   * Telegram's client bridge as its WebApp script talks to it on Android: the script posts events
   * to {@code window.TelegramWebviewProxy}; the stand-in records them, and the test answers as the
   * client would, through {@code Telegram.WebView.receiveEvent}.
   */
  private static final String BRIDGE =
      """
      window.__telegram = [];
      window.TelegramWebviewProxy = {
        postEvent: function (type, data) {
          window.__telegram.push({ type: type, data: data ? JSON.parse(data) : null });
        }
      };
      """;

  /**
   * The reference Mini App as a Telegram client runs it: Telegram's own WebApp script (the pinned
   * package's file, served by the gateway) over a stand-in of the client's bridge. In Russian, in
   * the client's theme: a photo is picked and previewed, its price shown on the MainButton before
   * Start, an edit and an animation run through the real stack (the video plays), the haptic engine
   * buzzes on completion, the BackButton drops the photo, and an invoice paid in the client
   * refreshes the balance through openInvoice's callback.
   */
  @Test
  void the_mini_app_inside_telegrams_bridge_edits_and_animates_a_photo_and_buys_credits()
      throws Exception {
    long user = 9_000_062L;
    assertThat(servedTelegramScript()).isEqualTo(pinnedTelegramScript());
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=420,900",
        "--autoplay-policy=no-user-gesture-required");
    ChromeDriverService driver =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver"))
            .build();
    ChromeDriver browser = new ChromeDriver(driver, options);
    try {
      browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", BRIDGE));
      String initData = signer.sign(user, "Мария", "ru");
      String theme =
          "{\"bg_color\":\"#1c1c1e\",\"text_color\":\"#ffffff\",\"button_color\":\"#ff8800\","
              + "\"button_text_color\":\"#000000\",\"secondary_bg_color\":\"#2c2c2e\"}";
      browser.get(
          stack.gatewayUrl()
              + "/app/#tgWebAppData="
              + encode(initData)
              + "&tgWebAppVersion=8.0&tgWebAppPlatform=android&tgWebAppThemeParams="
              + encode(theme));
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
      wait.until(d -> d.findElement(By.id("balance")).getText().equals("50 кредитов"));
      assertThat(events(browser, "web_app_ready")).isNotEmpty();
      assertThat(events(browser, "web_app_expand")).isNotEmpty();
      assertThat(browser.executeScript("return getComputedStyle(document.body).backgroundColor;"))
          .isEqualTo("rgb(28, 28, 30)");
      assertThat(browser.findElement(By.cssSelector("[data-text='buy']")).getText())
          .isEqualTo("Купить кредиты");

      Path photo = Files.createTempFile("e2e-photo-", ".jpg");
      Files.write(photo, jpeg(80, 60));
      browser.findElement(By.id("file")).sendKeys(photo.toAbsolutePath().toString());
      wait.until(d -> d.findElement(By.id("preview")).isDisplayed());
      wait.until(
          d -> lastEvent(browser, "web_app_setup_back_button").path("is_visible").asBoolean());
      new Select(browser.findElement(By.id("model"))).selectByValue("nano-banana-edit");
      browser.findElement(By.id("prompt")).sendKeys("e2e: сделай акварелью");
      wait.until(
          d -> {
            JsonNode main = lastEvent(browser, "web_app_setup_main_button");
            return main.path("is_visible").asBoolean()
                && main.path("text").asString().equals("Начать · 3 кредитов");
          });
      screenshot(browser, "mini-app-photo.png");

      browser.executeScript("Telegram.WebView.receiveEvent('main_button_pressed');");
      wait.until(
          d ->
              d.findElements(By.cssSelector("#history li[data-status='completed'] img")).size()
                  == 1);
      wait.until(
          d ->
              events(browser, "web_app_trigger_haptic_feedback").stream()
                  .anyMatch(e -> e.path("notification_type").asString().equals("success")));

      new Select(browser.findElement(By.id("model"))).selectByValue("kling-photo-video");
      wait.until(
          d ->
              lastEvent(browser, "web_app_setup_main_button")
                  .path("text")
                  .asString()
                  .equals("Начать · 30 кредитов"));
      browser.executeScript("Telegram.WebView.receiveEvent('main_button_pressed');");
      wait.until(
          d ->
              d.findElements(By.cssSelector("#history li[data-status='completed'] video")).size()
                  == 1);
      wait.until(
          d ->
              (Boolean)
                  browser.executeScript(
                      "const v = document.querySelector(\"#history li[data-status='completed'] video\");"
                          + " return v.readyState >= 2 && !v.paused && v.currentTime > 0;"));
      wait.until(d -> d.findElement(By.id("balance")).getText().equals("17 кредитов"));
      screenshot(browser, "mini-app-video.png");

      browser.executeScript("Telegram.WebView.receiveEvent('back_button_pressed');");
      wait.until(d -> !d.findElement(By.id("preview")).isDisplayed());
      assertThat(lastEvent(browser, "web_app_setup_back_button").path("is_visible").asBoolean())
          .isFalse();

      wait.until(
          d -> !d.findElements(By.cssSelector("#packs button[data-pack='small']")).isEmpty());
      browser.findElement(By.cssSelector("#packs button[data-pack='small']")).click();
      wait.until(d -> !events(browser, "web_app_open_invoice").isEmpty());
      String slug = lastEvent(browser, "web_app_open_invoice").path("slug").asString();
      assertThat(stack.telegram().pay(user, "https://t.me/$" + slug).paid()).isTrue();
      browser.executeScript(
          "Telegram.WebView.receiveEvent('invoice_closed', {slug: arguments[0], status: 'paid'});",
          slug);
      wait.until(d -> d.findElement(By.id("balance")).getText().equals("67 кредитов"));
      assertThat(browser.findElement(By.id("message")).getText()).contains("Оплата получена");
    } finally {
      browser.quit();
    }
  }

  private static List<JsonNode> events(WebDriver browser, String type) {
    Object all =
        ((JavascriptExecutor) browser)
            .executeScript("return JSON.stringify(window.__telegram || []);");
    List<JsonNode> found = new java.util.ArrayList<>();
    for (JsonNode event : JSON.readTree(String.valueOf(all))) {
      if (event.path("type").asString().equals(type)) {
        found.add(event.path("data"));
      }
    }
    return found;
  }

  private static JsonNode lastEvent(WebDriver browser, String type) {
    List<JsonNode> found = events(browser, type);
    return found.isEmpty() ? JSON.createObjectNode() : found.getLast();
  }

  private static String encode(String value) {
    return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static byte[] servedTelegramScript() throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/app/telegram-web-app.js"))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray())
        .body();
  }

  /** Telegram's script as the pinned package (infra/mini-app) ships it, installed by npm ci. */
  private static byte[] pinnedTelegramScript() throws Exception {
    Path dir = Path.of("../mini-app");
    Process npm =
        new ProcessBuilder(
                "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--legacy-peer-deps")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(npm.getInputStream().readAllBytes());
    assertThat(npm.waitFor()).as(output).isZero();
    return Files.readAllBytes(dir.resolve("node_modules/@twa-dev/sdk/src/telegram-web-apps.js"));
  }

  private static void screenshot(WebDriver browser, String name) throws IOException {
    if (Boolean.getBoolean("nanogen.screenshots")) {
      Path target = Path.of("../../docs/screenshots", name);
      Files.createDirectories(target.getParent());
      Files.write(target, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }
  }

  /**
   * How many of these generations a worker holds: processing, their task and their worker recorded.
   */
  private static long held(java.util.Collection<String> ids) throws java.sql.SQLException {
    StackSettings.Database db = stack.database();
    try (var connection =
            java.sql.DriverManager.getConnection(db.url(), db.username(), db.password());
        var statement =
            connection.prepareStatement(
                "SELECT count(*) FROM generations WHERE id = ANY(?) AND status = 'processing'"
                    + " AND provider_task_id IS NOT NULL AND worker_id IS NOT NULL")) {
      statement.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
      try (var rows = statement.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  @Test
  void a_rejected_prompt_fails_releases_the_hold_and_tells_the_user() throws Exception {
    long user = 9_000_003;
    String id =
        JSON.readTree(start(user, "flux-pro", "e2e: refused [fail:400]").body())
            .path("generation_id")
            .asString();

    JsonNode failed = awaitStatus(user, id, "failed");
    assertThat(failed.path("error").path("code").asString()).isEqualTo("PROVIDER_REJECTED");
    JsonNode me = JSON.readTree(get(user, "/api/me").body());
    assertThat(me.path("credits_available").asLong()).isEqualTo(50);
    assertThat(me.path("credits_held").asLong()).isZero();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !stack.telegram().messagesTo(user).isEmpty());
    TelegramStub.Message message = stack.telegram().messagesTo(user).getFirst();
    assertThat(message.method()).isEqualTo("sendMessage");
    assertThat(String.valueOf(message.fields().get("text"))).contains("4 credits were returned");
  }

  @Test
  void starts_are_accepted_while_kafka_is_down_and_all_go_out_when_it_returns() throws Exception {
    long user = 9_000_004;
    stack.stopKafka();
    List<String> ids = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> started = start(user, "flux-schnell", "e2e outage " + i);
        assertThat(started.statusCode()).isEqualTo(202);
        ids.add(JSON.readTree(started.body()).path("generation_id").asString());
      }
      // The relay keeps failing for a while; nothing is lost or parked meanwhile.
      await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> true);
      for (String id : ids) {
        assertThat(
                JSON.readTree(get(user, "/api/generation/" + id).body()).path("status").asString())
            .isEqualTo("pending");
      }
    } finally {
      stack.startKafka();
    }
    for (String id : ids) {
      awaitStatus(user, id, "completed", Duration.ofSeconds(120));
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> stack.telegram().messagesTo(user).size() == 5);
    JsonNode me = JSON.readTree(get(user, "/api/me").body());
    assertThat(me.path("credits_available").asLong()).isEqualTo(45);
    assertThat(me.path("credits_held").asLong()).isZero();
  }

  /**
   * The cancel rule end to end: 200 starts, each cancelled at a random moment while the real worker
   * picks it up. A generation that ends cancelled was never submitted to the provider; one that
   * lost the race (409) completes, submitted once.
   */
  @Test
  void a_cancel_racing_the_pick_up_either_wins_before_submission_or_answers_409() throws Exception {
    int count = 200;
    // The pipeline flows end to end first (another test may just have restarted Kafka).
    long warm = 9_099_999;
    awaitStatus(
        warm,
        JSON.readTree(start(warm, "flux-schnell", "e2e race warm-up").body())
            .path("generation_id")
            .asString(),
        "completed");
    var timer = java.util.concurrent.Executors.newScheduledThreadPool(16);
    List<java.util.concurrent.Future<? extends java.util.concurrent.Future<String[]>>> raced =
        new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      long user = 9_100_000 + i;
      String prompt = "e2e race " + i + " " + System.nanoTime();
      // The i-th cancel comes about 10i ms after its start: the first ones before any worker took
      // the
      // generation, the last ones after, the middle ones while a worker is claiming it.
      long delay = 10L * i + java.util.concurrent.ThreadLocalRandom.current().nextLong(0, 20);
      raced.add(
          timer.submit(
              () -> {
                HttpResponse<String> started = start(user, "flux-schnell", prompt);
                assertThat(started.statusCode()).isEqualTo(202);
                String id = JSON.readTree(started.body()).path("generation_id").asString();
                return timer.schedule(
                    () -> {
                      int cancel = post(user, "/api/generation/" + id + "/cancel").statusCode();
                      return new String[] {
                        Long.toString(user), id, prompt, Integer.toString(cancel)
                      };
                    },
                    delay,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
              }));
    }
    int cancelled = 0;
    int completed = 0;
    for (var future : raced) {
      String[] r = future.get().get();
      long user = Long.parseLong(r[0]);
      JsonNode end =
          await()
              .atMost(Duration.ofSeconds(120))
              .pollInterval(Duration.ofMillis(200))
              .until(
                  () -> JSON.readTree(get(user, "/api/generation/" + r[1]).body()),
                  n ->
                      Set.of("completed", "cancelled", "failed")
                          .contains(n.path("status").asString()));
      JsonNode me = JSON.readTree(get(user, "/api/me").body());
      if (r[3].equals("200")) {
        cancelled++;
        assertThat(end.path("status").asString()).isEqualTo("cancelled");
        assertThat(stack.sandbox().submissions(r[2]))
            .as("a cancelled generation never reached the provider")
            .isZero();
        assertThat(me.path("credits_available").asLong()).isEqualTo(50);
      } else {
        completed++;
        assertThat(r[3]).isEqualTo("409");
        assertThat(end.path("status").asString()).isEqualTo("completed");
        assertThat(stack.sandbox().acceptedSubmissions(r[2])).isEqualTo(1);
        assertThat(me.path("credits_available").asLong()).isEqualTo(49);
      }
      assertThat(me.path("credits_held").asLong()).isZero();
    }
    timer.shutdown();
    assertThat(cancelled + completed).isEqualTo(count);
    assertThat(cancelled).as("some cancels won the race").isPositive();
    assertThat(completed).as("some cancels lost the race").isPositive();
  }

  private JsonNode awaitStatus(long user, String id, String status) {
    return awaitStatus(user, id, status, Duration.ofSeconds(60));
  }

  private JsonNode awaitStatus(long user, String id, String status, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> JSON.readTree(get(user, "/api/generation/" + id).body()),
            n -> status.equals(n.path("status").asString()));
  }

  private HttpResponse<String> start(long user, String model, String prompt) throws Exception {
    return start(user, Map.of("model_id", model, "prompt", prompt));
  }

  /** A start of {@code model} on the user's upload. */
  private HttpResponse<String> startWith(long user, String model, String prompt, String upload)
      throws Exception {
    return start(user, Map.of("model_id", model, "prompt", prompt, "input_ids", List.of(upload)));
  }

  private HttpResponse<String> start(long user, Map<String, Object> body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/generation/start"))
            .header("Authorization", "tma " + signer.sign(user, "E2E", "en"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> invoice(long user, String pack) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/payments/invoice"))
            .header("Authorization", "tma " + signer.sign(user, "E2E", "en"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    JSON.writeValueAsString(Map.of("pack_id", pack))))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(long user, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + path))
            .header("Authorization", "tma " + signer.sign(user, "E2E", "en"))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(long user, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + path))
            .header("Authorization", "tma " + signer.sign(user, "E2E", "en"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A free port below Linux's ephemeral range (32768 and up): the stack binds it a minute later,
   * and a port the kernel hands out for outgoing connections can be taken in between ("Port … was
   * already in use" once in a CI run).
   */
  private static int freePort() throws IOException {
    java.util.concurrent.ThreadLocalRandom random =
        java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 200; attempt++) {
      // Below the ephemeral range (32768+) together with the management port a service adds 1000
      // to.
      int port = random.nextInt(20_000, 31_000);
      if (!PICKED.add(port) || !PICKED.add(LocalStack.managementPort(port))) {
        continue;
      }
      try (ServerSocket socket = new ServerSocket(port);
          ServerSocket management = new ServerSocket(LocalStack.managementPort(port))) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free port below the ephemeral range");
  }

  private static final Set<Integer> PICKED = new java.util.HashSet<>();
}
