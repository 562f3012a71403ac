package dev.nanogen.local;

import dev.nanogen.testkit.InitDataSigner;
import dev.nanogen.testkit.SandboxAimlServer;
import dev.nanogen.testkit.TelegramStub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The whole system on one machine: PostgreSQL, a standalone Kafka broker, the sandbox AIML server,
 * the Telegram Bot API stub, and the api-gateway, generation-worker and notifier jars as processes
 * configured only through the README's environment variables. Closing it (or Ctrl-C) stops every
 * process it started.
 */
public final class LocalStack implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  /** A quick start and a small footprint: C1 only, a 256 MB heap. */
  public static final String DEFAULT_JAVA_OPTS = "-Xmx256m -XX:TieredStopAtLevel=1";

  private final StackSettings settings;
  private final List<ChildProcess> processes = Collections.synchronizedList(new ArrayList<>());

  /**
   * JVM options for a module's next starts, instead of NANOGEN_JAVA_OPTS ({@link #restart(String,
   * String)}).
   */
  private final Map<String, String> javaOptions = new java.util.concurrent.ConcurrentHashMap<>();

  private LocalPostgres postgres;
  private SandboxAimlServer sandbox;
  private TelegramStub telegram;
  private ChildProcess kafka;
  private String databaseDescription;

  private LocalStack(StackSettings settings) {
    this.settings = settings;
  }

  /** The three services. */
  public static final List<String> SERVICES =
      List.of("api-gateway", "generation-worker", "notifier");

  /** Starts everything and returns once every service reports ready. */
  public static LocalStack start(StackSettings settings) throws IOException {
    return start(settings, SERVICES);
  }

  /** Starts the infrastructure and the given services (benchmarks may leave some out). */
  public static LocalStack start(StackSettings settings, List<String> services) throws IOException {
    LocalStack stack = new LocalStack(settings);
    try {
      stack.startAll(services);
      return stack;
    } catch (IOException | RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  private void startAll(List<String> services) throws IOException {
    Path logs = settings.home().resolve("logs");
    Files.createDirectories(logs);
    for (String module : List.of("api-gateway", "generation-worker", "notifier")) {
      if (!Files.exists(jar(module))) {
        throw new IllegalStateException("no " + jar(module) + ": build first (./mvnw package)");
      }
    }
    postgres = LocalPostgres.provide(settings);
    databaseDescription = postgres.description();
    sandbox = new SandboxAimlServer(settings.sandboxPort(), settings.aimlApiKey());
    telegram = new TelegramStub(settings.telegramPort(), settings.botToken());
    kafka = KafkaBroker.start(settings, logs);
    processes.add(kafka);
    kafka.awaitPort(settings.kafkaPort(), START_TIMEOUT);

    List<ChildProcess> started = new ArrayList<>();
    for (String module : services) {
      started.add(service(module, module, port(module), logs));
    }
    for (ChildProcess process : started) {
      process.awaitReady(port(process.name()), START_TIMEOUT);
    }
  }

  private ChildProcess service(String module, String name, int port, Path logs) throws IOException {
    StackSettings.Database db = postgres.database();
    Map<String, String> env =
        Map.ofEntries(
            Map.entry("SERVER_PORT", Integer.toString(port)),
            Map.entry("MANAGEMENT_SERVER_PORT", Integer.toString(managementPort(port))),
            Map.entry("SPRING_DATASOURCE_URL", db.url()),
            Map.entry("SPRING_DATASOURCE_USERNAME", db.username()),
            Map.entry("SPRING_DATASOURCE_PASSWORD", db.password()),
            Map.entry("SPRING_KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrap()),
            Map.entry("NANOGEN_TELEGRAM_BOT_TOKEN", settings.botToken()),
            Map.entry("NANOGEN_TELEGRAM_API_BASE_URL", telegram.baseUrl()),
            Map.entry("NANOGEN_AIML_BASE_URL", sandbox.baseUrl()),
            Map.entry("NANOGEN_AIML_API_KEY", settings.aimlApiKey()),
            Map.entry(
                "NANOGEN_AIML_POLL_INTERVAL",
                System.getenv().getOrDefault("NANOGEN_AIML_POLL_INTERVAL", "1s")),
            // Kept results are served by this stack's gateway.
            Map.entry(
                "NANOGEN_FILES_PUBLIC_BASE_URL", "http://127.0.0.1:" + settings.gatewayPort()),
            Map.entry("NANOGEN_SIGNUP_BONUS", Long.toString(settings.signupBonus())),
            Map.entry("NANOGEN_ADMIN_TOKEN", StackSettings.LOCAL_ADMIN_TOKEN),
            // The gateway registers its webhook with the stub, which then delivers the bot's
            // updates to it.
            Map.entry("NANOGEN_TELEGRAM_WEBHOOK_SECRET", StackSettings.LOCAL_WEBHOOK_SECRET),
            Map.entry(
                "NANOGEN_TELEGRAM_WEBHOOK_URL",
                "http://127.0.0.1:" + settings.gatewayPort() + "/telegram/webhook"),
            // The sandbox and the gateway serve results over http on loopback.
            Map.entry("NANOGEN_FETCH_ALLOW_PRIVATE", "true"));
    if (module.equals("generation-worker")) {
      env = withRoutes(env);
    }
    ChildProcess process = ChildProcess.start(name, command(module, env, logs), env, logs);
    processes.add(process);
    return process;
  }

  /**
   * With {@code NANOGEN_LOCAL_FLAKY_ROUTE} (a failure rate, 0..1) the worker gets two provider
   * routes to the sandbox: {@code flaky} first, whose key fails at that rate, then {@code steady}
   * (the chaos run's two routes).
   */
  private Map<String, String> withRoutes(Map<String, String> env) {
    String rate = System.getenv("NANOGEN_LOCAL_FLAKY_ROUTE");
    if (rate == null || rate.isBlank()) {
      return env;
    }
    sandbox.addKey(FLAKY_KEY, Double.parseDouble(rate));
    Map<String, String> routed = new java.util.HashMap<>(env);
    routed.put("NANOGEN_PROVIDERS_0_NAME", "flaky");
    routed.put("NANOGEN_PROVIDERS_0_BASE_URL", sandbox.baseUrl());
    routed.put("NANOGEN_PROVIDERS_0_API_KEY", FLAKY_KEY);
    routed.put("NANOGEN_PROVIDERS_0_COST_PER_RESULT", "0.03");
    routed.put("NANOGEN_PROVIDERS_1_NAME", "steady");
    routed.put("NANOGEN_PROVIDERS_1_BASE_URL", sandbox.baseUrl());
    routed.put("NANOGEN_PROVIDERS_1_API_KEY", settings.aimlApiKey());
    routed.put("NANOGEN_PROVIDERS_1_COST_PER_RESULT", "0.04");
    return routed;
  }

  static final String FLAKY_KEY = "local-flaky-route-key";

  /**
   * {@code java [NANOGEN_JAVA_OPTS] [-XX:AOTCache=…] -jar <module>.jar}; the default options favour
   * a quick start and a small footprint (C1 only), benchmarks pass their own; the AOT cache
   * (AotCache) is made on a service's first start after each build.
   */
  private List<String> command(String module, Map<String, String> env, Path logs) {
    List<String> options = new ArrayList<>();
    String configured =
        javaOptions.getOrDefault(
            module, System.getenv().getOrDefault("NANOGEN_JAVA_OPTS", DEFAULT_JAVA_OPTS));
    for (String option : configured.trim().split("\\s+")) {
      if (!option.isEmpty()) {
        options.add(option);
      }
    }
    List<String> command = new ArrayList<>(List.of(ChildProcess.java()));
    command.addAll(options);
    command.addAll(
        AotCache.enabled()
            ? AotCache.launch(module, jar(module), options, env, logs)
            : List.of("-jar", jar(module).toString()));
    return command;
  }

  private Path jar(String module) {
    return settings.repository().resolve(module).resolve("target").resolve(module + ".jar");
  }

  /** Kills a service with SIGKILL, as a crash would (chaos runs). */
  public void kill(String module) {
    process(module)
        .ifPresent(
            p -> {
              p.kill();
              processes.remove(p);
            });
  }

  /**
   * Stops a service (SIGTERM, as a deployment would), then starts it with other JVM options and
   * waits until it is ready: benchmarks measure the footprint on the defaults, the load on a full
   * JIT.
   */
  public void restart(String module, String options) throws IOException {
    process(module)
        .ifPresent(
            p -> {
              p.stop(Duration.ofSeconds(30));
              processes.remove(p);
            });
    javaOptions.put(module, options);
    restart(module);
  }

  /** Starts a killed service again and waits until it is ready. */
  public void restart(String module) throws IOException {
    int port = port(module);
    ChildProcess process = service(module, module, port, settings.home().resolve("logs"));
    process.awaitReady(port, START_TIMEOUT);
  }

  /**
   * Starts one more instance of a service with the same settings (its HTTP port 10 × {@code
   * replica} above the first's), named {@code <module>-<replica>}: scale-out runs.
   */
  public void startReplica(String module, int replica) throws IOException {
    int port = port(module) + 10 * replica;
    ChildProcess process =
        service(module, module + "-" + replica, port, settings.home().resolve("logs"));
    process.awaitReady(port, START_TIMEOUT);
  }

  /** Every process of the stack (the broker, the services and their replicas). */
  public List<ChildProcess> processes() {
    return List.copyOf(processes);
  }

  /** A service's actuator port (health, Prometheus): its port + 1000. */
  public static int managementPort(int port) {
    return port + 1000;
  }

  /** The port a service of this stack listens on. */
  public int port(String module) {
    return switch (module) {
      case "api-gateway" -> settings.gatewayPort();
      case "generation-worker" -> settings.workerPort();
      case "notifier" -> settings.notifierPort();
      default -> throw new IllegalArgumentException("no service " + module);
    };
  }

  /** Stops the Kafka broker (SIGTERM), for outage tests; {@link #startKafka()} brings it back. */
  public void stopKafka() {
    kafka.stop(Duration.ofSeconds(30));
    processes.remove(kafka);
  }

  /** Starts the Kafka broker again on the same port, with the same data. */
  public void startKafka() throws IOException {
    kafka = KafkaBroker.start(settings, settings.home().resolve("logs"));
    processes.add(kafka);
    kafka.awaitPort(settings.kafkaPort(), START_TIMEOUT);
  }

  public String gatewayUrl() {
    return "http://127.0.0.1:" + settings.gatewayPort();
  }

  public String kafkaBootstrap() {
    return "127.0.0.1:" + settings.kafkaPort();
  }

  public SandboxAimlServer sandbox() {
    return sandbox;
  }

  public TelegramStub telegram() {
    return telegram;
  }

  /** The database the services use. */
  public StackSettings.Database database() {
    return postgres.database();
  }

  public String databaseDescription() {
    return databaseDescription;
  }

  /** The running process of a module ("api-gateway", "kafka", …), for crash tests. */
  public java.util.Optional<ChildProcess> process(String name) {
    synchronized (processes) {
      return processes.stream().filter(p -> p.name().equals(name)).findFirst();
    }
  }

  @Override
  public void close() {
    List<ChildProcess> running;
    synchronized (processes) {
      running = new ArrayList<>(processes);
    }
    Collections.reverse(running);
    running.parallelStream().filter(p -> p != kafka).forEach(p -> p.stop(Duration.ofSeconds(15)));
    if (kafka != null) {
      kafka.stop(Duration.ofSeconds(15));
    }
    if (telegram != null) {
      telegram.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
    if (postgres != null) {
      try {
        postgres.close();
      } catch (IOException e) {
        System.err.println("embedded PostgreSQL did not stop cleanly: " + e.getMessage());
      }
    }
  }

  /**
   * {@code LocalStack} runs the stack until Ctrl-C; {@code LocalStack initdata <userId> [name]
   * [language]} prints initData signed with the local bot token.
   */
  public static void main(String[] args) throws Exception {
    Path repository =
        Path.of(System.getProperty("nanogen.repository", ".")).toAbsolutePath().normalize();
    StackSettings settings = StackSettings.fromEnvironment(repository);
    if (args.length > 0 && args[0].equals("initdata")) {
      long user = args.length > 1 ? Long.parseLong(args[1]) : 42;
      String name = args.length > 2 ? args[2] : "Local";
      String language = args.length > 3 ? args[3] : "en";
      System.out.println(new InitDataSigner(settings.botToken()).sign(user, name, language));
      return;
    }
    long began = System.nanoTime();
    System.out.println("Starting NanoGen locally (state in " + settings.home() + ") …");
    LocalStack stack;
    try {
      stack = start(settings);
    } catch (RuntimeException e) {
      System.err.println("NanoGen did not start: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("\nStopping NanoGen …");
                  stack.close();
                  System.out.println("Stopped.");
                }));
    System.out.printf(
        """

        NanoGen is up after %.1f s.
          gateway          %s   (OpenAPI: /v3/api-docs, Swagger UI: /swagger-ui/index.html; actuator on port + 1000)
          PostgreSQL       %s
          Kafka            %s (standalone KRaft broker, log in %s)
          AIML sandbox     %s
          Telegram stub    %s   (GET %s/__stub/messages lists what the bot sent)
          logs             %s

        The reference Mini App, signed in as user 42 (initData valid 24 h; rerun infra/bin/initdata 42 for a new one):
          %s/app/#tgWebAppData=%s

        Try one generation (user 42 gets a %d-credit sign-up bonus on first call):
          INIT=$(infra/bin/initdata 42)
          curl -s -X POST %s/api/generation/start -H "Authorization: tma $INIT" \\
               -H 'Content-Type: application/json' -d '{"model_id":"flux-schnell","prompt":"a red fox"}'
          curl -s %s/api/generation/<generation_id> -H "Authorization: tma $INIT"
          curl -s %s/__stub/messages

        Buy credits with Telegram Stars (the stub plays the user paying the invoice):
          LINK=$(curl -s -X POST %s/api/payments/invoice -H "Authorization: tma $INIT" \
               -H 'Content-Type: application/json' -d '{"pack_id":"small"}' | sed 's/.*"invoice_link":"\\([^"]*\\)".*/\\1/')
          curl -s -X POST %s/__stub/pay -d '{"user_id":42,"invoice_link":"'"$LINK"'"}'
          curl -s %s/api/me -H "Authorization: tma $INIT"

        Ctrl-C stops everything.
        """,
        (System.nanoTime() - began) / 1e9,
        stack.gatewayUrl(),
        stack.databaseDescription(),
        stack.kafkaBootstrap(),
        settings.home().resolve("logs/kafka.log"),
        stack.sandbox().baseUrl(),
        stack.telegram().baseUrl(),
        stack.telegram().baseUrl(),
        settings.home().resolve("logs"),
        stack.gatewayUrl(),
        java.net.URLEncoder.encode(
            new InitDataSigner(settings.botToken()).sign(42, "Local", "en"),
            java.nio.charset.StandardCharsets.UTF_8),
        settings.signupBonus(),
        stack.gatewayUrl(),
        stack.gatewayUrl(),
        stack.telegram().baseUrl(),
        stack.gatewayUrl(),
        stack.telegram().baseUrl(),
        stack.gatewayUrl());
    Thread.currentThread().join();
  }
}
