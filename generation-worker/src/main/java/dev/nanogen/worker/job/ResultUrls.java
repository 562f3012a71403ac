package dev.nanogen.worker.job;

import dev.nanogen.ops.fetch.PublicUrls;
import dev.nanogen.worker.aiml.ProviderError;
import dev.nanogen.worker.config.WorkerProperties;
import org.springframework.stereotype.Component;

/**
 * Checks every result URL the provider answers before anything is stored or published: only {@code
 * https} to a public host (or, with NANOGEN_FETCH_ALLOW_PRIVATE, {@code http} and private hosts).
 * Anything else ends the generation failed with PROVIDER_BAD_RESULT, which releases its hold.
 */
@Component
class ResultUrls {
  private final PublicUrls urls;

  ResultUrls(WorkerProperties properties) {
    this.urls = new PublicUrls(properties.fetch().allowPrivate());
  }

  void check(String url) {
    urls.refusal(url)
        .ifPresent(
            reason -> {
              throw ProviderError.badResult("result URL refused: " + reason);
            });
  }
}
