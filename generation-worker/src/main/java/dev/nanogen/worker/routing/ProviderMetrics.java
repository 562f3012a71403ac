package dev.nanogen.worker.routing;

import dev.nanogen.model.FailureCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * The provider's meters, in one place: {@code nanogen.provider.calls{route,model,call,outcome}}
 * (each call, timed), {@code nanogen.provider.errors{route,model,code}} (each failed call) and
 * {@code nanogen.provider.cost{route,model}} (what completed generations cost).
 */
@Component
class ProviderMetrics {
  private final MeterRegistry meters;

  ProviderMetrics(MeterRegistry meters) {
    this.meters = meters;
  }

  void called(String route, String model, String call, String outcome, long nanos) {
    Timer.builder("nanogen.provider.calls")
        .description("calls to the provider routes")
        .tag("route", route)
        .tag("model", model)
        .tag("call", call)
        .tag("outcome", outcome)
        .register(meters)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  void failed(String route, String model, FailureCode code) {
    meters
        .counter("nanogen.provider.errors", "route", route, "model", model, "code", code.name())
        .increment();
  }

  void charged(String route, String model, BigDecimal cost) {
    Counter.builder("nanogen.provider.cost")
        .description("what the provider routes charged for completed generations")
        .tag("route", route)
        .tag("model", model)
        .register(meters)
        .increment(cost.doubleValue());
  }
}
