package dev.nanogen.gateway;

import dev.nanogen.model.Topics;
import dev.nanogen.testkit.InitDataSigner;
import dev.nanogen.testkit.TelegramStub;
import dev.nanogen.testkit.TestInfra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Base of the gateway's integration tests: the real gateway on a random port, against the test
 * PostgreSQL and Kafka broker of {@link TestInfra}, driven over real HTTP with real signed
 * initData. Each test takes fresh user ids, so tests never see each other's data.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@org.springframework.context.annotation.Import({
  MovableClock.Config.class,
  StatementCounter.Config.class,
  RecordedSpans.Config.class
})
public abstract class IntegrationTest {
  public static final String BOT_TOKEN = "4242:TEST-TOKEN";
  public static final int REQUEST_BUDGET = 1000;
  public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdefghij";
  private static final AtomicLong USER_IDS = new AtomicLong(System.nanoTime() % 1_000_000 * 1000);
  protected static final String DATABASE_NAME = "nanogen_gateway_test";
  private static TestInfra.Database database;

  /** The one origin allowed to call /api/** from a browser. */
  public static final String APP_ORIGIN = "https://app.nanogen.example";

  public static final String WEBHOOK_SECRET = "test-webhook-secret_0123456789";

  /**
   * Where the gateway registers its webhook at start (the stub records it; updates go to the real
   * port).
   */
  public static final String WEBHOOK_URL = "https://nanogen.example/telegram/webhook";

  /** The Bot API the gateway calls (invoices, pre-checkout answers, refunds, setWebhook). */
  protected static final TelegramStub TELEGRAM = new TelegramStub(0, BOT_TOKEN);

  protected static final JsonMapper JSON = JsonMapper.builder().build();
  protected static final InitDataSigner SIGNER = new InitDataSigner(BOT_TOKEN);
  protected final HttpClient http = HttpClient.newHttpClient();

  @LocalServerPort protected int port;
  @Autowired protected JdbcClient jdbc;
  @Autowired protected MovableClock clock;
  @Autowired protected KafkaTemplate<String, String> kafka;

  /** The gateway's own mapper: events in the wire form (snake_case) every service reads. */
  @Autowired private JsonMapper wire;

  /** Publishes {@code event} as its producer would: JSON, its type in the event-type header. */
  protected void publish(String topic, String key, Record event) throws Exception {
    ProducerRecord<String, String> record =
        new ProducerRecord<>(topic, key, wire.writeValueAsString(event));
    record
        .headers()
        .add(
            Topics.EVENT_TYPE_HEADER,
            event.getClass().getSimpleName().getBytes(StandardCharsets.UTF_8));
    kafka.send(record).get();
  }

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    synchronized (IntegrationTest.class) {
      if (database == null) {
        database = TestInfra.freshDatabase(DATABASE_NAME);
      }
    }
    registry.add("spring.datasource.url", database::url);
    registry.add("spring.datasource.username", database::username);
    registry.add("spring.datasource.password", database::password);
    registry.add("spring.kafka.bootstrap-servers", TestInfra::kafkaBootstrap);
    registry.add("nanogen.telegram.bot-token", () -> BOT_TOKEN);
    registry.add("nanogen.telegram.api-base-url", TELEGRAM::baseUrl);
    registry.add("nanogen.telegram.webhook-secret", () -> WEBHOOK_SECRET);
    registry.add("nanogen.telegram.webhook-url", () -> WEBHOOK_URL);
    registry.add("nanogen.events.heartbeat", () -> "1s");
    registry.add("nanogen.cors.origins", () -> APP_ORIGIN + ", https://other.nanogen.example");
    registry.add("nanogen.outbox.poll-interval", () -> "100ms");
    registry.add("spring.datasource.hikari.maximum-pool-size", () -> "32");
    registry.add("nanogen.db.lock-timeout", () -> "3s");
    registry.add("nanogen.admin-token", () -> ADMIN_TOKEN);
    // Tests drive one user hard (races of hundreds of calls); RequestBudgetTest drives past it.
    registry.add("nanogen.limits.requests-per-period", () -> Integer.toString(REQUEST_BUDGET));
    registry.add("nanogen.upload.max-bytes", () -> "2MB");
    // Tests read the spans of a request (RecordedSpans): every trace is sampled here.
    registry.add("management.tracing.sampling.probability", () -> "1.0");
  }

  /**
   * Creates the workers' file store table (their Flyway history owns it; here it is created from
   * their migrations) unless it exists.
   */
  protected void createFilesSchema() throws java.io.IOException {
    jdbc.sql("CREATE SCHEMA IF NOT EXISTS files").update();
    boolean exists =
        jdbc.sql("SELECT to_regclass('files.result_files') IS NOT NULL")
            .query(Boolean.class)
            .single();
    boolean uploads =
        exists
            && jdbc.sql(
                    "SELECT count(*) > 0 FROM information_schema.columns WHERE table_schema = 'files' AND table_name = 'result_files' AND column_name = 'kind'")
                .query(Boolean.class)
                .single();
    java.util.List<String> migrations = new java.util.ArrayList<>();
    if (!exists) {
      migrations.addAll(
          java.util.List.of(
              "V1__result_files.sql",
              "V2__result_files_stored_uncompressed.sql",
              "V3__result_files_in_any_store.sql"));
    }
    if (!uploads) {
      migrations.add("V5__uploaded_files.sql");
    }
    for (String migration : migrations) {
      jdbc.sql(
              "SET search_path TO files; "
                  + java.nio.file.Files.readString(
                      java.nio.file.Path.of(
                          "../generation-worker/src/main/resources/db/files/" + migration))
                  + "; SET search_path TO public")
          .update();
    }
  }

  /** Keeps {@code content} in the file store (PostgreSQL) as a result; answers its id. */
  protected java.util.UUID storeFile(String contentType, byte[] content) {
    java.util.UUID id = java.util.UUID.randomUUID();
    jdbc.sql(
            "INSERT INTO files.result_files (id, generation_id, content_type, size, content) VALUES (:id, :g, :t, :s, :c)")
        .param("id", id)
        .param("g", java.util.UUID.randomUUID())
        .param("t", contentType)
        .param("s", content.length)
        .param("c", content)
        .update();
    return id;
  }

  protected static long newUserId() {
    return USER_IDS.incrementAndGet();
  }

  protected static String initData(long userId) {
    return SIGNER.sign(userId, "Test", "en");
  }

  /**
   * Creates the user, signed up already, if needed and grants credits (a GRANT ledger row, as an
   * admin would): their first call writes nothing more (no sign-up bonus, no row lock).
   */
  protected void grant(long userId, long credits) {
    Timestamp now = Timestamp.from(Instant.now());
    jdbc.sql(
            """
            INSERT INTO users (id, first_name, credits_available, created_at, updated_at, signed_up_at)
            VALUES (:id, 'Test', :credits, :now, :now, :now)
            ON CONFLICT (id) DO UPDATE SET credits_available = users.credits_available + :credits
            """)
        .param("id", userId)
        .param("credits", credits)
        .param("now", now)
        .update();
    jdbc.sql(
            "INSERT INTO ledger (user_id, kind, amount, reason, created_at) VALUES (:id, 'GRANT', :c, 'test', :now)")
        .param("id", userId)
        .param("c", credits)
        .param("now", now)
        .update();
  }

  protected HttpResponse<String> get(String path, long userId) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "tma " + initData(userId))
            .GET()
            .build());
  }

  protected HttpResponse<String> post(
      String path, long userId, Object body, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "tma " + initData(userId))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    body instanceof String s ? s : JSON.writeValueAsString(body)));
    headers.forEach(request::header);
    return send(request.build());
  }

  protected HttpResponse<String> start(long userId, String modelId, String prompt) {
    return post(
        "/api/generation/start", userId, Map.of("model_id", modelId, "prompt", prompt), Map.of());
  }

  /** A start of {@code modelId} on the user's uploads {@code inputIds}, with {@code params}. */
  protected HttpResponse<String> startWith(
      long userId, String modelId, java.util.List<?> inputIds, Map<String, Object> params) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("model_id", modelId);
    body.put("prompt", "make it a painting");
    body.put("input_ids", inputIds);
    if (!params.isEmpty()) {
      body.put("params", params);
    }
    return post("/api/generation/start", userId, body, Map.of());
  }

  /** The bytes an upload is kept as in the file store. */
  protected byte[] keptUploadBytes(java.util.UUID uploadId) {
    return jdbc.sql(
            "SELECT f.content FROM files.result_files f JOIN uploads u ON u.file_id = f.id WHERE u.id = :id")
        .param("id", uploadId)
        .query(byte[].class)
        .single();
  }

  /** An admin call: the Bearer token, a JSON body when given, an Idempotency-Key when given. */
  protected HttpResponse<String> admin(String method, String path, String body, String key) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + ADMIN_TOKEN)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Idempotency-Key", key);
    }
    return send(request.build());
  }

  protected HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  protected URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  protected static JsonNode json(HttpResponse<String> response) {
    return JSON.readTree(response.body());
  }

  /** The ledger invariant for one user: balances equal what the ledger says, and never negative. */
  protected void assertLedgerReconciles(long userId) {
    Map<String, Object> row =
        jdbc.sql(
                """
                SELECT u.credits_available AS available, u.credits_held AS held,
                  COALESCE((SELECT sum(amount) FROM ledger l WHERE l.user_id = u.id AND kind IN ('GRANT','ADJUST','PURCHASE')), 0)
                  - COALESCE((SELECT sum(amount) FROM ledger l WHERE l.user_id = u.id AND kind IN ('CAPTURE','REFUND')), 0) AS total,
                  COALESCE((SELECT sum(g.price) FROM generations g WHERE g.user_id = u.id AND g.status IN ('pending','processing')), 0) AS open_holds
                FROM users u WHERE u.id = :id
                """)
            .param("id", userId)
            .query()
            .singleRow();
    long available = ((Number) row.get("available")).longValue();
    long held = ((Number) row.get("held")).longValue();
    org.assertj.core.api.Assertions.assertThat(available).isGreaterThanOrEqualTo(0);
    org.assertj.core.api.Assertions.assertThat(held).isGreaterThanOrEqualTo(0);
    org.assertj.core.api.Assertions.assertThat(available + held)
        .isEqualTo(((Number) row.get("total")).longValue());
    org.assertj.core.api.Assertions.assertThat(held)
        .isEqualTo(((Number) row.get("open_holds")).longValue());
  }
}
