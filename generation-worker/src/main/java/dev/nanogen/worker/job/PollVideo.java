package dev.nanogen.worker.job;

import dev.nanogen.model.FailureCode;
import dev.nanogen.model.GenerationRequested;
import dev.nanogen.ops.Backoff;
import dev.nanogen.worker.aiml.ProviderError;
import dev.nanogen.worker.aiml.VideoStatus;
import dev.nanogen.worker.config.WorkerProperties;
import dev.nanogen.worker.routing.ProviderCalls;
import java.time.Clock;
import org.springframework.stereotype.Component;

/**
 * Polls an accepted video task on the route that accepted it, every {@code poll-interval} (±20 %,
 * so tasks submitted together are not polled together), until it completed, failed or the deadline
 * passed. Never submits: a task lost at the provider ends in TIMEOUT.
 */
@Component
class PollVideo {
  private final ProviderCalls provider;
  private final StopSignal stop;
  private final Clock clock;
  private final Backoff interval;

  PollVideo(ProviderCalls provider, StopSignal stop, Clock clock, WorkerProperties properties) {
    this.provider = provider;
    this.stop = stop;
    this.clock = clock;
    this.interval = Backoff.steady(properties.aiml().pollInterval(), 0.2);
  }

  /** The completed task's status (its URL not yet checked or kept). */
  VideoStatus untilDone(GenerationRequested request, Progress progress) {
    for (int poll = 1; clock.instant().isBefore(request.deadline()); poll++) {
      stop.check();
      VideoStatus status = provider.pollVideo(progress.route, request, progress.taskId);
      if ("completed".equals(status.state())) {
        if (status.url() == null) {
          throw ProviderError.badResponse("completed video has no url");
        }
        return status;
      }
      if ("error".equals(status.state())) {
        throw ProviderError.generationFailed(String.valueOf(status.error()));
      }
      stop.sleep(interval.delay(poll));
    }
    throw new ProviderError(
        FailureCode.TIMEOUT, false, "deadline passed while the video was generating");
  }
}
