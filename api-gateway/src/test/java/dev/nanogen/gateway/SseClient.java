package dev.nanogen.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A Server-Sent Events client as a browser's EventSource reads a stream: events (id, name, data)
 * and comments.
 */
final class SseClient implements AutoCloseable {
  record Event(String id, String name, String data) {}

  final int status;
  final String contentType;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final List<String> comments = new CopyOnWriteArrayList<>();
  private final CompletableFuture<?> reading;
  private volatile Stream<String> lines;

  private SseClient(HttpResponse<Stream<String>> response) {
    this.status = response.statusCode();
    this.contentType = response.headers().firstValue("Content-Type").orElse("");
    this.lines = response.body();
    this.reading = CompletableFuture.runAsync(this::read);
  }

  static SseClient open(HttpClient http, URI uri, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
    headers.forEach(request::header);
    try {
      return new SseClient(
          http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines())
              .get(10, TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void read() {
    String id = null;
    String name = null;
    StringBuilder data = new StringBuilder();
    for (String line : (Iterable<String>) lines::iterator) {
      if (line.isEmpty()) {
        if (name != null || !data.isEmpty()) {
          events.add(new Event(id, name == null ? "message" : name, data.toString()));
        }
        id = null;
        name = null;
        data.setLength(0);
      } else if (line.startsWith(":")) {
        comments.add(line.substring(1).strip());
      } else if (line.startsWith("id:")) {
        id = line.substring(3).strip();
      } else if (line.startsWith("event:")) {
        name = line.substring(6).strip();
      } else if (line.startsWith("data:")) {
        data.append(data.isEmpty() ? "" : "\n").append(line.substring(5).strip());
      }
    }
  }

  /** True once the server ended the stream. */
  boolean ended() {
    return reading.isDone();
  }

  List<Event> events() {
    return List.copyOf(events);
  }

  List<String> comments() {
    return List.copyOf(comments);
  }

  /** Waits until {@code count} events have arrived; answers them all. */
  List<Event> await(int count) {
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> events.size() >= count);
    return new ArrayList<>(events);
  }

  @Override
  public void close() {
    if (lines != null) {
      lines.close();
    }
    reading.cancel(true);
  }
}
