package dev.nanogen.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;

/**
 * A stub of the Telegram Bot API: {@code POST /bot<token>/<method>} answered with the real API's
 * shapes ({@code {ok, result}} or {@code {ok:false, error_code, description, parameters}}), every
 * accepted message recorded.
 *
 * <p>Tests script failures per chat with {@link #failNext(long, int, int)}; {@code GET
 * /__stub/messages[?chat_id=]} lists what was recorded, so the local stack can be checked by hand.
 */
public final class TelegramStub implements AutoCloseable {
  private final HttpServer server;
  private final String token;
  private final List<Message> messages = new CopyOnWriteArrayList<>();
  private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
  private final Map<Long, Deque<Integer>> scriptedFailures = new ConcurrentHashMap<>();
  private final Map<Long, Duration> slowAnswers = new ConcurrentHashMap<>();
  private final AtomicLong abandoned = new AtomicLong();
  private final AtomicLong messageIds = new AtomicLong(1000);
  private volatile int retryAfterSeconds = 1;

  /**
   * One message the bot sent.
   *
   * @param fields every field of the request (JSON, form or multipart text parts)
   * @param uploaded whether a file was uploaded (multipart) rather than named by URL or file_id
   */
  public record Message(
      String method, long chatId, Map<String, Object> fields, boolean uploaded, Instant at) {}

  /** One call of a send method, answered or refused. */
  public record Attempt(String method, long chatId, int status, Instant at) {}

  public TelegramStub(int port, String token) {
    this.token = token;
    this.server = JsonHttp.server(port);
    server.createContext("/bot", this::botMethod);
    server.createContext("/__stub/messages", this::listMessages);
    server.start();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public List<Message> messages() {
    return List.copyOf(messages);
  }

  public List<Message> messagesTo(long chatId) {
    return messages.stream().filter(m -> m.chatId() == chatId).toList();
  }

  /** Every send call, including those answered with a scripted failure. */
  public List<Attempt> attempts() {
    return List.copyOf(attempts);
  }

  public List<Attempt> attemptsTo(long chatId) {
    return attempts.stream().filter(a -> a.chatId() == chatId).toList();
  }

  /** The next {@code times} sends to {@code chatId} fail with {@code errorCode}. */
  public void failNext(long chatId, int errorCode, int times) {
    Deque<Integer> queue = scriptedFailures.computeIfAbsent(chatId, id -> new ArrayDeque<>());
    synchronized (queue) {
      for (int i = 0; i < times; i++) {
        queue.add(errorCode);
      }
    }
  }

  /**
   * The next send to {@code chatId} is answered only after {@code delay} (a large upload, a slow Bot
   * API); the message counts as sent when the answer goes out.
   */
  public void answerSlowly(long chatId, Duration delay) {
    slowAnswers.put(chatId, delay);
  }

  /**
   * The sends now waiting on a slow answer never complete: their sender died mid-upload (a chaos or
   * takeover run killed it), so Telegram got nothing and nothing is recorded. Slow answers not yet
   * used are forgotten: later sends are answered at once.
   */
  public void abandonSlowAnswers() {
    abandoned.incrementAndGet();
    slowAnswers.clear();
  }

  /** Forgets the failures still scripted for {@code chatId}. */
  public void clearFailures(long chatId) {
    scriptedFailures.remove(chatId);
  }

  /** The retry_after a scripted 429 announces. */
  public void retryAfter(int seconds) {
    this.retryAfterSeconds = seconds;
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void botMethod(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath(); // /bot<token>/<method>
    int slash = path.indexOf('/', 4);
    String pathToken = slash < 0 ? "" : path.substring(4, slash);
    String method = slash < 0 ? "" : path.substring(slash + 1);
    if (!pathToken.equals(token)) {
      JsonHttp.send(exchange, 401, failure(401, "Unauthorized"));
      return;
    }
    Map<String, Object> fields;
    boolean uploaded;
    try {
      String contentType = String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"));
      byte[] body = JsonHttp.body(exchange);
      uploaded = contentType.startsWith("multipart/form-data");
      fields = uploaded ? Multipart.textParts(contentType, body) : fields(contentType, body);
    } catch (RuntimeException e) {
      JsonHttp.send(exchange, 400, failure(400, "Bad Request: can't parse request body"));
      return;
    }
    Object chat = fields.get("chat_id");
    if (chat == null) {
      JsonHttp.send(exchange, 400, failure(400, "Bad Request: chat_id is empty"));
      return;
    }
    long chatId = Long.parseLong(String.valueOf(chat));
    Duration slow = slowAnswers.remove(chatId);
    if (slow != null) {
      long epoch = abandoned.get();
      try {
        Thread.sleep(slow);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (abandoned.get() != epoch) {
        exchange.close();
        return;
      }
    }
    Integer scripted = nextFailure(chatId);
    if (scripted != null) {
      attempts.add(new Attempt(method, chatId, scripted, Instant.now()));
      JsonHttp.send(exchange, scripted, scriptedFailure(scripted));
      return;
    }
    Instant now = Instant.now();
    attempts.add(new Attempt(method, chatId, 200, now));
    messages.add(new Message(method, chatId, fields, uploaded, now));
    if (method.equals("sendMediaGroup")) {
      JsonHttp.send(exchange, 200, Map.of("ok", true, "result", album(chatId, String.valueOf(fields.get("media")))));
      return;
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("message_id", messageIds.incrementAndGet());
    result.put("date", Instant.now().getEpochSecond());
    result.put("chat", Map.of("id", chatId, "type", "private"));
    switch (method) {
      case "sendPhoto" ->
          result.put("photo", List.of(Map.of("file_id", "photo-" + result.get("message_id"))));
      case "sendVideo" -> result.put("video", Map.of("file_id", "video-" + result.get("message_id")));
      case "sendDocument" ->
          result.put("document", Map.of("file_id", "doc-" + result.get("message_id")));
      default -> result.put("text", fields.getOrDefault("text", ""));
    }
    JsonHttp.send(exchange, 200, Map.of("ok", true, "result", result));
  }

  /** sendMediaGroup answers one message per item, each with the file_id of its photo or document. */
  private List<Map<String, Object>> album(long chatId, String media) {
    List<Map<String, Object>> result = new java.util.ArrayList<>();
    for (JsonNode item : JsonHttp.JSON.readTree(media)) {
      long id = messageIds.incrementAndGet();
      String type = item.path("type").asString();
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("message_id", id);
      message.put("date", Instant.now().getEpochSecond());
      message.put("chat", Map.of("id", chatId, "type", "private"));
      message.put(type, type.equals("photo") ? List.of(Map.of("file_id", "photo-" + id)) : Map.of("file_id", type + "-" + id));
      result.add(message);
    }
    return result;
  }

  private Integer nextFailure(long chatId) {
    Deque<Integer> queue = scriptedFailures.get(chatId);
    if (queue == null) {
      return null;
    }
    synchronized (queue) {
      return queue.poll();
    }
  }

  private Map<String, Object> scriptedFailure(int code) {
    return switch (code) {
      case 429 -> {
        Map<String, Object> body = failure(429, "Too Many Requests: retry after " + retryAfterSeconds);
        body.put("parameters", Map.of("retry_after", retryAfterSeconds));
        yield body;
      }
      case 403 -> failure(403, "Forbidden: bot was blocked by the user");
      default -> failure(code, "Internal Server Error");
    };
  }

  private void listMessages(HttpExchange exchange) throws IOException {
    String chat = JsonHttp.query(exchange).get("chat_id");
    List<Message> list = chat == null ? messages() : messagesTo(Long.parseLong(chat));
    JsonHttp.send(exchange, 200, Map.of("count", list.size(), "messages", list));
  }

  private static Map<String, Object> fields(String contentType, byte[] body) {
    if (contentType.startsWith("application/json")) {
      JsonNode node = JsonHttp.JSON.readTree(body);
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        JsonNode value = field.getValue();
        out.put(field.getKey(), value.isValueNode() ? value.asString() : value.toString());
      }
      return out;
    }
    return new LinkedHashMap<>(JsonHttp.form(new String(body, StandardCharsets.UTF_8)));
  }

  private static Map<String, Object> failure(int code, String description) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ok", false);
    body.put("error_code", code);
    body.put("description", description);
    return body;
  }

  /** Runs the stub alone: {@code TelegramStub [port] [token]}. */
  public static void main(String[] args) throws InterruptedException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 18082;
    TelegramStub stub = new TelegramStub(port, args.length > 1 ? args[1] : "42:LOCAL");
    System.out.println("Telegram Bot API stub on " + stub.baseUrl());
    Thread.currentThread().join();
  }
}
