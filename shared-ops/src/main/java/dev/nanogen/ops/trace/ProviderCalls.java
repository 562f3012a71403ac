package dev.nanogen.ops.trace;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import java.util.function.UnaryOperator;
import org.springframework.http.client.observation.ClientRequestObservationContext;
import org.springframework.http.client.observation.DefaultClientRequestObservationConvention;

/**
 * How calls to an outside provider (AIML, Telegram) are observed: Spring's {@code
 * http.client.requests} with a {@code provider} tag, and the URL on the span passed through {@code
 * redact} first (Telegram's URLs carry the bot token). Clients use URI templates, so the {@code
 * uri} tag names the operation and never a value.
 */
public final class ProviderCalls extends DefaultClientRequestObservationConvention {
  private final String provider;
  private final UnaryOperator<String> redact;

  public ProviderCalls(String provider, UnaryOperator<String> redact) {
    this.provider = provider;
    this.redact = redact;
  }

  @Override
  public KeyValues getLowCardinalityKeyValues(ClientRequestObservationContext context) {
    return super.getLowCardinalityKeyValues(context).and("provider", provider);
  }

  @Override
  public KeyValues getHighCardinalityKeyValues(ClientRequestObservationContext context) {
    return KeyValues.of(
        super.getHighCardinalityKeyValues(context).stream()
            .map(
                kv ->
                    kv.getKey().equals("http.url")
                        ? KeyValue.of(kv.getKey(), redact.apply(kv.getValue()))
                        : kv)
            .toList());
  }
}
