package dev.nanogen.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import tools.jackson.databind.json.JsonMapper;

/** The little HTTP plumbing the sandbox and the stub share, on the JDK's own server. */
final class JsonHttp {
  static final JsonMapper JSON = JsonMapper.builder().build();

  private JsonHttp() {}

  /**
   * A server on {@code port} (0 picks a free one), one virtual thread per exchange; on loopback
   * unless {@code -Dnanogen.testkit.bind=0.0.0.0} (the doubles in a container, infra/compose.yaml).
   */
  static HttpServer server(int port) {
    String bind = System.getProperty("nanogen.testkit.bind", "127.0.0.1");
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 512);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot bind " + bind + ":" + port, e);
    }
  }

  static byte[] body(HttpExchange exchange) throws IOException {
    return exchange.getRequestBody().readAllBytes();
  }

  static void send(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = body instanceof byte[] raw ? raw : JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  static void sendBytes(HttpExchange exchange, String contentType, byte[] bytes)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(200, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  static Map<String, String> query(HttpExchange exchange) {
    return form(exchange.getRequestURI().getRawQuery());
  }

  /** Parses {@code a=1&b=2} (URL-encoded) into an ordered map. */
  static Map<String, String> form(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(
          URLDecoder.decode(key, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return out;
  }
}
