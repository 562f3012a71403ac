package dev.nanogen.ops.trace;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * One trace per generation across processes: the W3C {@code traceparent} of the current span is
 * what an outbox row, a delivery row or a Kafka record carries on, and a span continued from one is
 * where the next process's work for that generation happens. Kafka listeners with observation on
 * continue the header by themselves; this is for the hops Spring does not see (the outbox relay, a
 * worker's job on its own thread, a notice sent long after it was recorded).
 */
public final class Traces {
  /** The W3C Trace Context header, in HTTP and in Kafka records alike. */
  public static final String TRACEPARENT = "traceparent";

  private final Tracer tracer;
  private final Propagator propagator;

  public Traces(Tracer tracer, Propagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  /** The current span's {@code traceparent}, or null outside any span. */
  public String current() {
    Span span = tracer.currentSpan();
    if (span == null) {
      return null;
    }
    Map<String, String> carrier = new HashMap<>();
    propagator.inject(span.context(), carrier, Map::put);
    return carrier.get(TRACEPARENT);
  }

  /** The current span's trace id, or null outside any span. */
  public String currentTraceId() {
    Span span = tracer.currentSpan();
    TraceContext context = span == null ? null : span.context();
    return context == null ? null : context.traceId();
  }

  /**
   * Starts a span named {@code name} as a child of {@code traceparent} (a new trace when it is null
   * or unreadable). The caller puts it in scope ({@link #inScope}) and ends it.
   */
  public Span continued(String traceparent, String name) {
    Map<String, String> carrier = traceparent == null ? Map.of() : Map.of(TRACEPARENT, traceparent);
    return propagator.extract(carrier, Map::get).name(name).start();
  }

  /** Makes {@code span} current on this thread (and its ids the log lines' trace and span ids). */
  public Tracer.SpanInScope inScope(Span span) {
    return tracer.withSpan(span);
  }

  /** Adds the current span's {@code traceparent} to a record's headers (none outside a span). */
  public void addTo(Headers headers) {
    String traceparent = current();
    if (traceparent != null) {
      headers.remove(TRACEPARENT);
      headers.add(TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** The {@code traceparent} a record carries, or null. */
  public static String of(Headers headers) {
    Header header = headers.lastHeader(TRACEPARENT);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
