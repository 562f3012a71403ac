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
 *
 * <p>Payments: {@code createInvoiceLink} records the invoice and answers a link; {@code
 * answerPreCheckoutQuery} and {@code refundStarPayment} are recorded; {@code setWebhook} remembers
 * where updates go. As Telegram would, the stub then delivers updates to that webhook ({@link
 * #deliver}), carrying out a method the webhook answers with; {@link #pay} plays a user paying an
 * invoice (pre-checkout, then the payment if the bot said ok). {@code POST /__stub/pay} {@code
 * {user_id, invoice_link}} does the same for the local stack.
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

  /** By link. */
  private final Map<String, Invoice> invoices = new ConcurrentHashMap<>();

  private final List<CheckoutAnswer> checkoutAnswers = new CopyOnWriteArrayList<>();
  private final List<Refund> refunds = new CopyOnWriteArrayList<>();
  private final Deque<Integer> refundFailures = new ArrayDeque<>();
  private final AtomicLong updateIds = new AtomicLong(700_000_000);
  private final AtomicLong charges = new AtomicLong(1);
  private final java.net.http.HttpClient webhookClient = java.net.http.HttpClient.newHttpClient();
  private volatile Webhook webhook;
  private final List<Webhook> registrations = new CopyOnWriteArrayList<>();

  /** An invoice createInvoiceLink made. */
  public record Invoice(String link, String title, String payload, String currency, long amount) {}

  /** An answerPreCheckoutQuery call. */
  public record CheckoutAnswer(String queryId, boolean ok, String errorMessage) {}

  /** A refundStarPayment call Telegram took. */
  public record Refund(long userId, String chargeId) {}

  /** Where setWebhook said updates go. */
  public record Webhook(String url, String secretToken, String allowedUpdates) {}

  /** What a user's attempt to pay an invoice came to: the charge when it was paid. */
  public record Purchase(
      boolean paid,
      String chargeId,
      CheckoutAnswer answer,
      int checkoutStatus,
      int paymentStatus) {}

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
    server.createContext("/file/bot", this::fileDownload);
    server.createContext("/__stub/messages", this::listMessages);
    server.createContext("/__stub/pay", this::payByHand);
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
   * The next send to {@code chatId} is answered only after {@code delay} (a large upload, a slow
   * Bot API); the message counts as sent when the answer goes out.
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

  public List<Invoice> invoices() {
    return List.copyOf(invoices.values());
  }

  public Invoice invoice(String link) {
    Invoice invoice = invoices.get(link);
    if (invoice == null) {
      throw new IllegalArgumentException("no invoice " + link);
    }
    return invoice;
  }

  public List<CheckoutAnswer> checkoutAnswers() {
    return List.copyOf(checkoutAnswers);
  }

  public List<Refund> refunds() {
    return List.copyOf(refunds);
  }

  /** The next {@code times} refundStarPayment calls fail with {@code errorCode}. */
  public void failRefunds(int errorCode, int times) {
    synchronized (refundFailures) {
      for (int i = 0; i < times; i++) {
        refundFailures.add(errorCode);
      }
    }
  }

  public Webhook webhook() {
    return webhook;
  }

  /** Every setWebhook call, oldest first. */
  public List<Webhook> registrations() {
    return List.copyOf(registrations);
  }

  /** Points updates at {@code url} with {@code secretToken}, as setWebhook would. */
  public void webhook(String url, String secretToken) {
    this.webhook = new Webhook(url, secretToken, null);
  }

  /** An answer the webhook gave a callback query (answerCallbackQuery in its reply). */
  public record CallbackAnswer(String queryId, String text) {}

  private final List<CallbackAnswer> callbackAnswers =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, byte[]> files = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong fileIds = new AtomicLong();

  public List<CallbackAnswer> callbackAnswers() {
    return List.copyOf(callbackAnswers);
  }

  /**
   * Keeps {@code content} as a file a user sent, answered by getFile and downloadable at {@code
   * /file/bot<token>/<file_path>}; answers its file_id.
   */
  public String addFile(byte[] content) {
    String id = "file-" + fileIds.incrementAndGet();
    files.put(id, content);
    return id;
  }

  /** A photo (one size of it, {@code fileId}) from {@code userId} in their private chat. */
  public static Map<String, Object> photo(
      long updateId, long userId, String languageCode, String fileId, long size, String caption) {
    Map<String, Object> from = new LinkedHashMap<>(user(userId));
    from.put("language_code", languageCode);
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("message_id", updateId % 100_000);
    message.put("date", Instant.now().getEpochSecond());
    message.put("from", from);
    message.put("chat", Map.of("id", userId, "type", "private"));
    message.put(
        "photo",
        List.of(
            Map.of(
                "file_id",
                fileId + "-small",
                "file_unique_id",
                "s" + fileId,
                "width",
                90,
                "height",
                90,
                "file_size",
                1000),
            Map.of(
                "file_id",
                fileId,
                "file_unique_id",
                "u" + fileId,
                "width",
                800,
                "height",
                600,
                "file_size",
                size)));
    if (caption != null) {
      message.put("caption", caption);
    }
    return Map.of("update_id", updateId, "message", message);
  }

  /** A press of an inline button carrying {@code data}, by {@code userId}. */
  public static Map<String, Object> callback(
      long updateId, long userId, String languageCode, String queryId, String data) {
    Map<String, Object> from = new LinkedHashMap<>(user(userId));
    from.put("language_code", languageCode);
    return Map.of(
        "update_id",
        updateId,
        "callback_query",
        Map.of(
            "id",
            queryId,
            "from",
            from,
            "chat_instance",
            "ci-" + userId,
            "data",
            data,
            "message",
            Map.of(
                "message_id",
                1,
                "date",
                Instant.now().getEpochSecond(),
                "chat",
                Map.of("id", userId, "type", "private"))));
  }

  private void fileDownload(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getRawPath();
    String prefix = "/file/bot" + token + "/";
    byte[] content =
        path.startsWith(prefix)
            ? files.get(
                path.substring(prefix.length())
                    .replaceFirst("^photos/", "")
                    .replaceFirst("\\.jpg$", ""))
            : null;
    if (content == null) {
      JsonHttp.send(exchange, 404, failure(404, "Not Found"));
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
    exchange.sendResponseHeaders(200, content.length);
    try (var out = exchange.getResponseBody()) {
      out.write(content);
    }
  }

  public long nextUpdateId() {
    return updateIds.incrementAndGet();
  }

  /**
   * Delivers one update to the webhook, as Telegram does (the secret token in its header); a method
   * the webhook answers with (sendMessage) is carried out. Answers the webhook's HTTP status.
   */
  public int deliver(Map<String, Object> update) {
    Webhook target = webhook;
    if (target == null) {
      throw new IllegalStateException("no webhook set");
    }
    return deliver(update, target.secretToken());
  }

  /** {@link #deliver(Map)} with {@code secretToken} in the header (null: none). */
  public int deliver(Map<String, Object> update, String secretToken) {
    java.net.http.HttpRequest.Builder request =
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(webhook.url()))
            .header("Content-Type", "application/json")
            .POST(
                java.net.http.HttpRequest.BodyPublishers.ofString(
                    JsonHttp.JSON.writeValueAsString(update)));
    if (secretToken != null) {
      request.header("X-Telegram-Bot-Api-Secret-Token", secretToken);
    }
    try {
      java.net.http.HttpResponse<String> answer =
          webhookClient.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() == 200 && answer.body().contains("\"method\"")) {
        JsonNode method = JsonHttp.JSON.readTree(answer.body());
        if (method.path("method").asString().equals("answerCallbackQuery")) {
          callbackAnswers.add(
              new CallbackAnswer(
                  method.path("callback_query_id").asString(), method.path("text").asString()));
        }
        if (method.path("method").asString().equals("sendMessage")) {
          Map<String, Object> fields = new LinkedHashMap<>();
          for (Map.Entry<String, JsonNode> field : method.properties()) {
            fields.put(
                field.getKey(),
                field.getValue().isValueNode()
                    ? field.getValue().asString()
                    : field.getValue().toString());
          }
          long chatId = method.path("chat_id").asLong();
          attempts.add(new Attempt("sendMessage", chatId, 200, Instant.now()));
          messages.add(new Message("sendMessage", chatId, fields, false, Instant.now()));
        }
      }
      return answer.statusCode();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A user paying an invoice: a pre_checkout_query with the invoice's terms; if the bot answered it
   * ok, the successful_payment message with a new charge id.
   */
  public Purchase pay(long userId, String invoiceLink) {
    Invoice invoice = invoice(invoiceLink);
    return pay(userId, invoice.payload(), invoice.currency(), invoice.amount());
  }

  /** {@link #pay(long, String)} with the terms given (a forged or changed checkout). */
  public Purchase pay(long userId, String payload, String currency, long amount) {
    String queryId = "pcq-" + updateIds.incrementAndGet();
    int checkout =
        deliver(preCheckoutQuery(nextUpdateId(), queryId, userId, payload, currency, amount));
    CheckoutAnswer answer =
        checkoutAnswers.stream().filter(a -> a.queryId().equals(queryId)).findFirst().orElse(null);
    if (answer == null || !answer.ok()) {
      return new Purchase(false, null, answer, checkout, 0);
    }
    String charge = newChargeId();
    int payment =
        deliver(successfulPayment(nextUpdateId(), userId, payload, currency, amount, charge));
    return new Purchase(payment == 200, charge, answer, checkout, payment);
  }

  public String newChargeId() {
    return "stxStub" + charges.incrementAndGet() + "_" + Long.toHexString(System.nanoTime());
  }

  public static Map<String, Object> preCheckoutQuery(
      long updateId, String queryId, long userId, String payload, String currency, long amount) {
    return Map.of(
        "update_id",
        updateId,
        "pre_checkout_query",
        Map.of(
            "id", queryId,
            "from", user(userId),
            "currency", currency,
            "total_amount", amount,
            "invoice_payload", payload));
  }

  public static Map<String, Object> successfulPayment(
      long updateId, long userId, String payload, String currency, long amount, String chargeId) {
    return message(
        updateId,
        userId,
        "successful_payment",
        Map.of(
            "currency", currency,
            "total_amount", amount,
            "invoice_payload", payload,
            "telegram_payment_charge_id", chargeId,
            "provider_payment_charge_id", ""));
  }

  public static Map<String, Object> refundedPayment(
      long updateId, long userId, String payload, String currency, long amount, String chargeId) {
    return message(
        updateId,
        userId,
        "refunded_payment",
        Map.of(
            "currency", currency,
            "total_amount", amount,
            "invoice_payload", payload,
            "telegram_payment_charge_id", chargeId));
  }

  /** A text message (a command) from {@code userId} in their private chat with the bot. */
  public static Map<String, Object> text(
      long updateId, long userId, String languageCode, String text) {
    Map<String, Object> from = new LinkedHashMap<>(user(userId));
    from.put("language_code", languageCode);
    return message(updateId, from, userId, "text", text);
  }

  private static Map<String, Object> message(
      long updateId, long userId, String field, Map<String, Object> payment) {
    return message(updateId, user(userId), userId, field, payment);
  }

  /** An update carrying a message from {@code from} in their private chat, with {@code field}. */
  private static Map<String, Object> message(
      long updateId, Map<String, Object> from, long chatId, String field, Object value) {
    return Map.of(
        "update_id",
        updateId,
        "message",
        Map.of(
            "message_id",
            updateId % 100_000,
            "date",
            Instant.now().getEpochSecond(),
            "from",
            from,
            "chat",
            Map.of("id", chatId, "type", "private"),
            field,
            value));
  }

  private static Map<String, Object> user(long userId) {
    return Map.of("id", userId, "is_bot", false, "first_name", "Test", "language_code", "en");
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void botMethod(HttpExchange exchange) throws IOException {
    // /bot<token>/<method>, the token as Telegram documents it (123:ABC): read raw, so a client
    // that percent-encodes it (123%3AABC) is refused as a server that does not decode it would.
    String path = exchange.getRequestURI().getRawPath();
    int slash = path.indexOf('/', 4);
    String pathToken = slash < 0 ? "" : path.substring(4, slash);
    String method = slash < 0 ? "" : path.substring(slash + 1);
    if (!pathToken.equals(token)) {
      JsonHttp.send(exchange, 401, failure(401, "Unauthorized"));
      return;
    }
    Map<String, Object> fields;
    boolean uploaded;
    // When Telegram has the whole request: what its flood control counts, however long the answer
    // then takes (a file fetched by URL). A message is listed once answered, stamped with this.
    Instant received;
    try {
      String contentType = String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"));
      byte[] body = JsonHttp.body(exchange);
      received = Instant.now();
      uploaded = contentType.startsWith("multipart/form-data");
      fields = uploaded ? Multipart.textParts(contentType, body) : fields(contentType, body);
    } catch (RuntimeException e) {
      JsonHttp.send(exchange, 400, failure(400, "Bad Request: can't parse request body"));
      return;
    }
    if (payments(exchange, method, fields)) {
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
    attempts.add(new Attempt(method, chatId, 200, received));
    messages.add(new Message(method, chatId, fields, uploaded, received));
    if (method.equals("sendMediaGroup")) {
      JsonHttp.send(
          exchange,
          200,
          Map.of("ok", true, "result", album(chatId, String.valueOf(fields.get("media")))));
      return;
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("message_id", messageIds.incrementAndGet());
    result.put("date", Instant.now().getEpochSecond());
    result.put("chat", Map.of("id", chatId, "type", "private"));
    switch (method) {
      case "sendPhoto" ->
          result.put("photo", List.of(Map.of("file_id", "photo-" + result.get("message_id"))));
      case "sendVideo" ->
          result.put("video", Map.of("file_id", "video-" + result.get("message_id")));
      case "sendDocument" ->
          result.put("document", Map.of("file_id", "doc-" + result.get("message_id")));
      default -> result.put("text", fields.getOrDefault("text", ""));
    }
    JsonHttp.send(exchange, 200, Map.of("ok", true, "result", result));
  }

  /** The payment methods and setWebhook; false for any other method. */
  private boolean payments(HttpExchange exchange, String method, Map<String, Object> fields)
      throws IOException {
    switch (method) {
      case "createInvoiceLink" -> {
        JsonNode prices = JsonHttp.JSON.readTree(String.valueOf(fields.get("prices")));
        String currency = String.valueOf(fields.get("currency"));
        if (prices.size() != 1
            || !currency.equals("XTR")
            || fields.containsKey("provider_token")
                && !String.valueOf(fields.get("provider_token")).isEmpty()) {
          JsonHttp.send(
              exchange,
              400,
              failure(
                  400, "Bad Request: Stars invoices take one price in XTR and no provider token"));
          return true;
        }
        String link = "https://t.me/$stub-invoice-" + updateIds.incrementAndGet();
        String payload = String.valueOf(fields.get("payload"));
        invoices.put(
            link,
            new Invoice(
                link,
                String.valueOf(fields.get("title")),
                payload,
                currency,
                prices.path(0).path("amount").asLong()));
        JsonHttp.send(exchange, 200, Map.of("ok", true, "result", link));
      }
      case "answerPreCheckoutQuery" -> {
        Object error = fields.get("error_message");
        checkoutAnswers.add(
            new CheckoutAnswer(
                String.valueOf(fields.get("pre_checkout_query_id")),
                Boolean.parseBoolean(String.valueOf(fields.get("ok"))),
                error == null ? null : String.valueOf(error)));
        JsonHttp.send(exchange, 200, Map.of("ok", true, "result", true));
      }
      case "refundStarPayment" -> {
        Integer failure;
        synchronized (refundFailures) {
          failure = refundFailures.poll();
        }
        if (failure != null) {
          JsonHttp.send(
              exchange,
              failure,
              failure == 400
                  ? failure(400, "Bad Request: CHARGE_ALREADY_REFUNDED")
                  : scriptedFailure(failure));
          return true;
        }
        refunds.add(
            new Refund(
                Long.parseLong(String.valueOf(fields.get("user_id"))),
                String.valueOf(fields.get("telegram_payment_charge_id"))));
        JsonHttp.send(exchange, 200, Map.of("ok", true, "result", true));
      }
      case "getFile" -> {
        String id = String.valueOf(fields.get("file_id"));
        byte[] content = files.get(id);
        if (content == null) {
          JsonHttp.send(exchange, 400, failure(400, "Bad Request: invalid file_id"));
        } else {
          JsonHttp.send(
              exchange,
              200,
              Map.of(
                  "ok",
                  true,
                  "result",
                  Map.of(
                      "file_id",
                      id,
                      "file_unique_id",
                      "u" + id,
                      "file_size",
                      content.length,
                      "file_path",
                      "photos/" + id + ".jpg")));
        }
      }
      case "setWebhook" -> {
        Object secret = fields.get("secret_token");
        webhook =
            new Webhook(
                String.valueOf(fields.get("url")),
                secret == null ? null : String.valueOf(secret),
                String.valueOf(fields.get("allowed_updates")));
        registrations.add(webhook);
        JsonHttp.send(
            exchange, 200, Map.of("ok", true, "result", true, "description", "Webhook was set"));
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** POST /__stub/pay {user_id, invoice_link}: {@link #pay(long, String)} for the local stack. */
  private void payByHand(HttpExchange exchange) throws IOException {
    JsonNode request = JsonHttp.JSON.readTree(JsonHttp.body(exchange));
    try {
      JsonHttp.send(
          exchange,
          200,
          pay(request.path("user_id").asLong(), request.path("invoice_link").asString()));
    } catch (RuntimeException e) {
      JsonHttp.send(exchange, 400, Map.of("error", String.valueOf(e.getMessage())));
    }
  }

  /**
   * sendMediaGroup answers one message per item, each with the file_id of its photo or document.
   */
  private List<Map<String, Object>> album(long chatId, String media) {
    List<Map<String, Object>> result = new java.util.ArrayList<>();
    for (JsonNode item : JsonHttp.JSON.readTree(media)) {
      long id = messageIds.incrementAndGet();
      String type = item.path("type").asString();
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("message_id", id);
      message.put("date", Instant.now().getEpochSecond());
      message.put("chat", Map.of("id", chatId, "type", "private"));
      message.put(
          type,
          type.equals("photo")
              ? List.of(Map.of("file_id", "photo-" + id))
              : Map.of("file_id", type + "-" + id));
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
        Map<String, Object> body =
            failure(429, "Too Many Requests: retry after " + retryAfterSeconds);
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
