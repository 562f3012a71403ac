package dev.nanogen.gateway;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The spans the test gateway ends, as an OTLP exporter would receive them (the latest 5 000), so a
 * test can read what a trace would carry out of the process.
 */
public final class RecordedSpans implements SpanExporter {
  private static final int KEPT = 5_000;
  private final ConcurrentLinkedDeque<SpanData> spans = new ConcurrentLinkedDeque<>();

  public List<SpanData> all() {
    return new ArrayList<>(spans);
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> ended) {
    spans.addAll(ended);
    while (spans.size() > KEPT) {
      spans.pollFirst();
    }
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }

  /** Exports every span as it ends, in every integration test's context. */
  @TestConfiguration(proxyBeanMethods = false)
  public static class Config {
    @Bean
    RecordedSpans recordedSpans() {
      return new RecordedSpans();
    }

    @Bean
    SpanProcessor recordingSpanProcessor(RecordedSpans spans) {
      return SimpleSpanProcessor.create(spans);
    }
  }
}
