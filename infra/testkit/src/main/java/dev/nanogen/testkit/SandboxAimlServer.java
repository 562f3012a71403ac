package dev.nanogen.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A sandbox of the AIML API: a real HTTP server answering with the real API's shapes (see the AIML
 * API's documentation), used by every test and by the local stack instead of the paid service.
 *
 * <p>Behaviour is chosen per request by directives in the prompt, so tests stay independent of each
 * other:
 *
 * <ul>
 *   <li>{@code [fail:400]} (any status) — answer that error on every submission
 *   <li>{@code [429x2]} (any count) — answer 429 for the first two submissions of this prompt
 *   <li>{@code [shape:images]} — image answer as {@code {images:[{url}]}} instead of {@code data}
 *   <li>{@code [b64]} — image answer as {@code data:[{b64_json}]}
 *   <li>{@code [malformed]} — a body that is not JSON
 *   <li>{@code [hang]} — never answer (until the server stops)
 *   <li>{@code [latency:250]} — answer after 250 ms
 *   <li>{@code [polls:3]} — a video completes on the third poll (default 2)
 *   <li>{@code [seconds:20]} — a video completes 20 s after its submission, however often polled
 *   <li>{@code [video-error]} — a video ends with status {@code error}
 *   <li>{@code [images:4]} — an image answer with four results, whatever was asked
 *   <li>{@code [bad-url:javascript]} (any scheme) — results named by such a URL instead of an http
 *       one
 *   <li>{@code [b64-bytes:5000]} — an inline image of that many bytes
 *   <li>{@code [result-bytes:5000]} — result URLs of files of that many bytes
 *   <li>{@code [cost:0.07]} — the answer says the generation cost that much
 *   <li>{@code [redirect]} — an image submission answered 307 to another host name of this server
 *       ({@code localhost}), whose calls {@link #redirectedCalls()} counts
 * </ul>
 *
 * <p>Result files for fetch tests: {@code /files/<name>?bytes=N} (exactly N bytes), {@code
 * /files/drip?every=500} (headers, then a byte every 500 ms for a minute), {@code
 * /files/redirect?to=<url>} (a 302 to that URL). {@link #deleteCopies()} (or {@code POST
 * /__sandbox/delete-copies}) makes every result file handed out so far answer 404, as a provider
 * that deleted its copies.
 *
 * <p>And globally, through {@code POST /__sandbox/config} with {@code latency_ms}, {@code
 * failure_rate} (0..1, answered as 500) and {@code burst_429} (the next N submissions answer 429).
 * {@code GET /__sandbox/submissions} reports the count of submissions per prompt, so tests and the
 * chaos run can prove that nothing was submitted twice.
 */
public final class SandboxAimlServer implements AutoCloseable {
  private static final Pattern FAIL = Pattern.compile("\\[fail:(\\d{3})]");
  private static final Pattern TOO_MANY = Pattern.compile("\\[429x(\\d+)]");
  private static final Pattern LATENCY = Pattern.compile("\\[latency:(\\d+)]");
  private static final Pattern POLLS = Pattern.compile("\\[polls:(\\d+)]");
  private static final Pattern SECONDS = Pattern.compile("\\[seconds:(\\d+)]");
  private static final Pattern IMAGES = Pattern.compile("\\[images:(\\d+)]");
  private static final Pattern BAD_URL = Pattern.compile("\\[bad-url:([a-z]+)]");
  private static final Pattern B64_BYTES = Pattern.compile("\\[b64-bytes:(\\d+)]");
  private static final Pattern COST = Pattern.compile("\\[cost:([0-9.]+)]");
  private static final Pattern RESULT_BYTES = Pattern.compile("\\[result-bytes:(\\d+)]");

  /**
   * What the sandbox's videos are: a real one-second 64x64 H.264 clip (baseline profile,
   * faststart), so a browser plays the results it is shown. Made with {@code ffmpeg -f lavfi -i
   * testsrc=size=64x64:rate=8 -t 1 -c:v libx264 -profile:v baseline -pix_fmt yuv420p -movflags
   * +faststart clip.mp4}.
   */
  public static final byte[] MP4 = resource("/sandbox/clip.mp4");

  private static byte[] resource(String name) {
    try (java.io.InputStream in = SandboxAimlServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the testkit");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A 1x1 transparent PNG. */
  public static final byte[] PNG =
      Base64.getDecoder()
          .decode(
              "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

  private final HttpServer server;
  private final String apiKey;
  private final Map<String, AtomicInteger> submissionsByPrompt = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> acceptedByPrompt = new ConcurrentHashMap<>();
  private final Map<String, VideoTask> videos = new ConcurrentHashMap<>();
  private final AtomicLong totalSubmissions = new AtomicLong();
  private volatile long latencyMillis;
  private volatile double failureRate;
  private final AtomicInteger burst429 = new AtomicInteger();
  private final AtomicLong polls = new AtomicLong();
  private final AtomicInteger redirectedCalls = new AtomicInteger();

  /** Result files handed out, by path; those deleted answer 404. */
  private final Set<String> issued = ConcurrentHashMap.newKeySet();

  private final Set<String> deleted = ConcurrentHashMap.newKeySet();
  private final Map<String, Double> extraKeys = new ConcurrentHashMap<>();

  /**
   * @param readyAtMillis wall-clock time from which the video is completed (0: by polls only)
   */
  private record VideoTask(
      String prompt, int pollsToFinish, long readyAtMillis, AtomicInteger polls) {}

  /**
   * @param port 0 for any free port
   * @param apiKey the Bearer key to require, or null to accept any
   */
  public SandboxAimlServer(int port, String apiKey) {
    this.apiKey = apiKey;
    this.server = JsonHttp.server(port);
    server.createContext("/v1/images/generations", this::images);
    server.createContext("/v2/video/generations", this::video);
    server.createContext("/files/", this::file);
    server.createContext("/__sandbox/", this::control);
    server.createContext(
        "/elsewhere/",
        exchange -> {
          redirectedCalls.incrementAndGet();
          JsonHttp.send(exchange, 200, Map.of("data", List.of(Map.of("url", baseUrl()))));
        });
    server.start();
  }

  /**
   * Where callers reach it; {@code -Dnanogen.sandbox.public-url} when that is not loopback (a
   * container).
   */
  public String baseUrl() {
    return System.getProperty(
        "nanogen.sandbox.public-url", "http://127.0.0.1:" + server.getAddress().getPort());
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** How many times a generation with this exact prompt was submitted (images and videos). */
  public int submissions(String prompt) {
    AtomicInteger count = submissionsByPrompt.get(prompt);
    return count == null ? 0 : count.get();
  }

  /**
   * How many submissions with this prompt the provider accepted (an image answered, a video task
   * created) — a generation submitted twice shows 2 here; refused attempts (429, 5xx) do not count.
   */
  public int acceptedSubmissions(String prompt) {
    AtomicInteger count = acceptedByPrompt.get(prompt);
    return count == null ? 0 : count.get();
  }

  /** Every prompt the provider accepted more than once, with its count. */
  public Map<String, Integer> acceptedMoreThanOnce() {
    Map<String, Integer> out = new java.util.TreeMap<>();
    acceptedByPrompt.forEach(
        (prompt, count) -> {
          if (count.get() > 1) {
            out.put(prompt, count.get());
          }
        });
    return out;
  }

  public long totalSubmissions() {
    return totalSubmissions.get();
  }

  public void configure(Duration latency, double failureRate) {
    this.latencyMillis = latency.toMillis();
    this.failureRate = failureRate;
  }

  /** The next {@code count} submissions, whatever their prompt, answer 429 (a quota burst). */
  public void burst429(int count) {
    burst429.set(count);
  }

  /**
   * Creates a video task as a submission by some earlier worker would have (counted as one
   * submission of {@code prompt}); answers its task id.
   */
  public String submitVideoDirectly(String prompt) {
    submissionsByPrompt.computeIfAbsent(prompt, p -> new AtomicInteger()).incrementAndGet();
    totalSubmissions.incrementAndGet();
    accepted(prompt);
    Matcher polls = POLLS.matcher(prompt);
    String id = "vid-" + UUID.randomUUID();
    videos.put(
        id,
        new VideoTask(
            prompt, polls.find() ? Integer.parseInt(polls.group(1)) : 2, 0, new AtomicInteger()));
    return id;
  }

  /** Calls that followed a {@code [redirect]} answer to the other host name. */
  public int redirectedCalls() {
    return redirectedCalls.get();
  }

  /** Status polls of video tasks answered so far. */
  public long totalPolls() {
    return polls.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** An input image the sandbox fetched, as the provider fetches {@code image_url(s)}. */
  public record FetchedInput(String url, int status, String contentType, int bytes) {}

  private final List<FetchedInput> fetchedInputs =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final java.net.http.HttpClient inputs =
      java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();

  /** Every input image fetched so far, in order. */
  public List<FetchedInput> fetchedInputs() {
    return List.copyOf(fetchedInputs);
  }

  /**
   * Fetches the request's {@code image_urls} / {@code image_url} as the provider does; answers 400
   * (and false) when one cannot be fetched as an image.
   */
  private boolean inputsFetched(HttpExchange exchange, JsonNode request) throws IOException {
    List<String> urls = new java.util.ArrayList<>();
    request.path("image_urls").forEach(url -> urls.add(url.asString()));
    if (request.path("image_url").isString()) {
      urls.add(request.path("image_url").asString());
    }
    for (String url : urls) {
      FetchedInput fetched;
      try {
        java.net.http.HttpResponse<byte[]> answer =
            inputs.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                    .timeout(java.time.Duration.ofSeconds(10))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        fetched =
            new FetchedInput(
                url,
                answer.statusCode(),
                answer.headers().firstValue("Content-Type").orElse(""),
                answer.body().length);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      } catch (IOException | IllegalArgumentException e) {
        fetched = new FetchedInput(url, 0, "", 0);
      }
      fetchedInputs.add(fetched);
      if (fetched.status() != 200 || !fetched.contentType().startsWith("image/")) {
        JsonHttp.send(exchange, 400, error(400, "Failed to download the image: " + url));
        return false;
      }
    }
    return true;
  }

  private void images(HttpExchange exchange) throws IOException {
    if (!authorized(exchange) || !"POST".equals(exchange.getRequestMethod())) {
      return;
    }
    JsonNode request = parse(exchange);
    if (request == null) {
      return;
    }
    String prompt = request.path("prompt").asString("");
    if (rejected(exchange, prompt) || !inputsFetched(exchange, request)) {
      return;
    }
    if (prompt.contains("[redirect]")) {
      exchange
          .getResponseHeaders()
          .set("Location", "http://localhost:" + port() + "/elsewhere/v1/images/generations");
      exchange.sendResponseHeaders(307, -1);
      exchange.close();
      return;
    }
    accepted(prompt);
    Matcher images = IMAGES.matcher(prompt);
    int count = images.find() ? Integer.parseInt(images.group(1)) : 1;
    List<Map<String, Object>> urls = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      urls.add(Map.of("url", resultUrl(prompt, ".png"), "width", 1));
    }
    Matcher b64Bytes = B64_BYTES.matcher(prompt);
    if (prompt.contains("[shape:images]")) {
      JsonHttp.send(exchange, 200, Map.of("images", urls));
    } else if (prompt.contains("[b64]") || b64Bytes.find()) {
      byte[] image =
          b64Bytes.find(0)
              ? java.util.Arrays.copyOf(PNG, Integer.parseInt(b64Bytes.group(1)))
              : PNG;
      String b64 = Base64.getEncoder().encodeToString(image);
      JsonHttp.send(exchange, 200, Map.of("data", List.of(Map.of("b64_json", b64))));
    } else {
      JsonHttp.send(
          exchange,
          200,
          withCost(
              prompt,
              Map.of("data", urls.stream().map(u -> Map.of("url", u.get("url"))).toList())));
    }
  }

  private void video(HttpExchange exchange) throws IOException {
    if (!authorized(exchange)) {
      return;
    }
    if ("GET".equals(exchange.getRequestMethod())) {
      poll(exchange);
      return;
    }
    JsonNode request = parse(exchange);
    if (request == null) {
      return;
    }
    String prompt = request.path("prompt").asString("");
    if (rejected(exchange, prompt) || !inputsFetched(exchange, request)) {
      return;
    }
    Matcher polls = POLLS.matcher(prompt);
    Matcher seconds = SECONDS.matcher(prompt);
    int pollsToFinish;
    long readyAt = 0;
    if (seconds.find()) {
      pollsToFinish = Integer.MAX_VALUE;
      readyAt = System.currentTimeMillis() + Long.parseLong(seconds.group(1)) * 1000;
    } else {
      pollsToFinish = polls.find() ? Integer.parseInt(polls.group(1)) : 2;
    }
    accepted(prompt);
    String id = "vid-" + UUID.randomUUID();
    videos.put(id, new VideoTask(prompt, pollsToFinish, readyAt, new AtomicInteger()));
    JsonHttp.send(exchange, 200, Map.of("id", id, "status", "queued"));
  }

  private void poll(HttpExchange exchange) throws IOException {
    String id = JsonHttp.query(exchange).get("generation_id");
    VideoTask task = id == null ? null : videos.get(id);
    if (task == null) {
      JsonHttp.send(exchange, 404, error(404, "Generation not found"));
      return;
    }
    if (randomFailure() || keyFails(exchange)) {
      JsonHttp.send(exchange, 500, error(500, "sandbox: random failure"));
      return;
    }
    polls.incrementAndGet();
    int seen = task.polls().incrementAndGet();
    boolean ready =
        task.readyAtMillis() > 0
            ? System.currentTimeMillis() >= task.readyAtMillis()
            : seen >= task.pollsToFinish();
    if (!ready) {
      JsonHttp.send(exchange, 200, Map.of("id", id, "status", seen == 1 ? "queued" : "generating"));
    } else if (task.prompt().contains("[video-error]")) {
      JsonHttp.send(
          exchange,
          200,
          Map.of(
              "id",
              id,
              "status",
              "error",
              "error",
              Map.of("name", "GenerationError", "message", "sandbox: video failed")));
    } else {
      String url =
          task.prompt().contains("[bad-url:")
              ? resultUrl(task.prompt(), ".mp4")
              : issue(baseUrl() + "/files/" + id + ".mp4");
      JsonHttp.send(
          exchange,
          200,
          withCost(
              task.prompt(), Map.of("id", id, "status", "completed", "video", Map.of("url", url))));
    }
  }

  /** The answer with the {@code cost} a {@code [cost:0.07]} directive names, if any. */
  private static Map<String, Object> withCost(String prompt, Map<String, Object> answer) {
    Matcher cost = COST.matcher(prompt);
    if (!cost.find()) {
      return answer;
    }
    Map<String, Object> priced = new java.util.LinkedHashMap<>(answer);
    priced.put("cost", new java.math.BigDecimal(cost.group(1)));
    return priced;
  }

  /** A result URL on this server, or of the scheme a {@code [bad-url:…]} directive names. */
  private String resultUrl(String prompt, String extension) {
    Matcher bad = BAD_URL.matcher(prompt);
    if (bad.find()) {
      return bad.group(1)
          + ":"
          + (bad.group(1).equals("data")
              ? "text/html,<script>alert(1)</script>"
              : "alert(document.cookie)//" + extension);
    }
    Matcher bytes = RESULT_BYTES.matcher(prompt);
    if (bytes.find()) {
      return issue(fileUrl(UUID.randomUUID().toString(), Long.parseLong(bytes.group(1))));
    }
    return issue(baseUrl() + "/files/" + UUID.randomUUID() + extension);
  }

  private String issue(String url) {
    issued.add(java.net.URI.create(url).getPath());
    return url;
  }

  /**
   * Every result file handed out so far answers 404 from now on: the provider deleted its copies.
   */
  public void deleteCopies() {
    deleted.addAll(issued);
  }

  /**
   * A result file: a tiny PNG, or with {@code ?bytes=N} a file of exactly N bytes (for the
   * notifier's size rules); HEAD answers the Content-Length alone.
   */
  private void file(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    if (path.equals("/files/redirect")) {
      exchange.getResponseHeaders().set("Location", JsonHttp.query(exchange).get("to"));
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
      return;
    }
    if (path.equals("/files/drip")) {
      drip(exchange, Long.parseLong(JsonHttp.query(exchange).getOrDefault("every", "500")));
      return;
    }
    if (deleted.contains(path)) {
      JsonHttp.send(exchange, 404, error(404, "sandbox: the provider deleted its copy"));
      return;
    }
    String contentType = path.endsWith(".mp4") ? "video/mp4" : "image/png";
    String bytes = JsonHttp.query(exchange).get("bytes");
    long length =
        bytes == null ? (path.endsWith(".mp4") ? MP4.length : PNG.length) : Long.parseLong(bytes);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    if ("HEAD".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
      return;
    }
    if (bytes == null) {
      JsonHttp.sendBytes(exchange, contentType, path.endsWith(".mp4") ? MP4 : PNG);
      return;
    }
    exchange.sendResponseHeaders(200, length);
    try (var out = exchange.getResponseBody()) {
      byte[] chunk = new byte[64 * 1024];
      for (long left = length; left > 0; left -= chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
    }
  }

  /** Headers at once, then one byte every {@code everyMillis} for at most a minute. */
  private static void drip(HttpExchange exchange, long everyMillis) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "image/png");
    exchange.sendResponseHeaders(200, 0);
    try (var out = exchange.getResponseBody()) {
      long until = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < until) {
        out.write(0);
        out.flush();
        sleep(everyMillis);
      }
    } catch (IOException e) {
      // the client gave up: what a drip is for
    }
  }

  /** The URL of a result file of exactly {@code bytes} bytes, named {@code name}. */
  public String fileUrl(String name, long bytes) {
    return baseUrl() + "/files/" + name + "?bytes=" + bytes;
  }

  private void control(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    if (path.equals("/__sandbox/config") && "POST".equals(exchange.getRequestMethod())) {
      JsonNode config = JsonHttp.JSON.readTree(JsonHttp.body(exchange));
      configure(
          Duration.ofMillis(config.path("latency_ms").asLong(0)),
          config.path("failure_rate").asDouble(0));
      burst429(config.path("burst_429").asInt(0));
      JsonHttp.send(
          exchange,
          200,
          Map.of(
              "latency_ms",
              latencyMillis,
              "failure_rate",
              failureRate,
              "burst_429",
              burst429.get()));
    } else if (path.equals("/__sandbox/delete-copies")
        && "POST".equals(exchange.getRequestMethod())) {
      deleteCopies();
      JsonHttp.send(exchange, 200, Map.of("copies_deleted", true));
    } else if (path.equals("/__sandbox/submissions")) {
      Map<String, Integer> counts = new java.util.TreeMap<>();
      submissionsByPrompt.forEach((prompt, count) -> counts.put(prompt, count.get()));
      JsonHttp.send(
          exchange,
          200,
          Map.of("total", totalSubmissions.get(), "polls", polls.get(), "by_prompt", counts));
    } else {
      JsonHttp.send(exchange, 404, error(404, "unknown sandbox path"));
    }
  }

  /** Counts the submission and answers an error if the prompt or the global config asks for one. */
  private boolean rejected(HttpExchange exchange, String prompt) throws IOException {
    int count =
        submissionsByPrompt.computeIfAbsent(prompt, p -> new AtomicInteger()).incrementAndGet();
    totalSubmissions.incrementAndGet();
    sleep(latencyMillis);
    Matcher latency = LATENCY.matcher(prompt);
    if (latency.find()) {
      sleep(Long.parseLong(latency.group(1)));
    }
    if (prompt.contains("[hang]")) {
      sleep(Long.MAX_VALUE);
    }
    Matcher fail = FAIL.matcher(prompt);
    if (fail.find()) {
      int status = Integer.parseInt(fail.group(1));
      JsonHttp.send(exchange, status, error(status, "sandbox: failing as asked"));
      return true;
    }
    Matcher tooMany = TOO_MANY.matcher(prompt);
    if ((tooMany.find() && count <= Integer.parseInt(tooMany.group(1)))
        || burst429.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
      JsonHttp.send(exchange, 429, error(429, "Too many requests"));
      return true;
    }
    if (randomFailure() || keyFails(exchange)) {
      JsonHttp.send(exchange, 500, error(500, "sandbox: random failure"));
      return true;
    }
    if (prompt.contains("[malformed]")) {
      JsonHttp.send(exchange, 200, "{\"data\": [ this is not json".getBytes());
      return true;
    }
    return false;
  }

  private void accepted(String prompt) {
    acceptedByPrompt.computeIfAbsent(prompt, p -> new AtomicInteger()).incrementAndGet();
  }

  private boolean randomFailure() {
    return failureRate > 0 && ThreadLocalRandom.current().nextDouble() < failureRate;
  }

  /**
   * Accepts {@code key} too, as a second route's key to this sandbox: calls made with it fail with
   * 500 at {@code failureRate} (0..1), submissions and polls alike, whatever else is configured.
   */
  public void addKey(String key, double failureRate) {
    extraKeys.put(key, failureRate);
  }

  /** A call made with a key added by {@link #addKey}, failing at its rate this time. */
  private boolean keyFails(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    Double rate = header == null ? null : extraKeys.get(header.replaceFirst("^Bearer ", ""));
    return rate != null && ThreadLocalRandom.current().nextDouble() < rate;
  }

  private boolean authorized(HttpExchange exchange) throws IOException {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    boolean extra = header != null && extraKeys.containsKey(header.replaceFirst("^Bearer ", ""));
    if (apiKey != null && !extra && !("Bearer " + apiKey).equals(header)) {
      JsonHttp.send(exchange, 401, error(401, "Invalid API key"));
      return false;
    }
    return true;
  }

  private JsonNode parse(HttpExchange exchange) throws IOException {
    try {
      return JsonHttp.JSON.readTree(JsonHttp.body(exchange));
    } catch (RuntimeException e) {
      JsonHttp.send(exchange, 400, error(400, "Body is not JSON"));
      return null;
    }
  }

  private static Map<String, Object> error(int status, String message) {
    return Map.of("message", message, "statusCode", status, "error", Map.of("message", message));
  }

  private static void sleep(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs the sandbox alone: {@code SandboxAimlServer [port] [apiKey]}. */
  public static void main(String[] args) throws InterruptedException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 18081;
    SandboxAimlServer sandbox = new SandboxAimlServer(port, args.length > 1 ? args[1] : null);
    System.out.println("sandbox AIML API on " + sandbox.baseUrl());
    Thread.currentThread().join();
  }
}
