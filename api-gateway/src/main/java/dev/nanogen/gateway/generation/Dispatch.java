package dev.nanogen.gateway.generation;

import dev.nanogen.gateway.outbox.Outbox;
import dev.nanogen.model.GenerationRequested;
import dev.nanogen.model.ModelKind;
import dev.nanogen.model.Topics;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The one way a generation reaches the workers: a GenerationRequested through the outbox, in the
 * caller's transaction. A first start, the sweeper's re-dispatch and a hand-back all send it from what
 * the database knows of the generation (never from an event).
 */
@Component
@Transactional(propagation = Propagation.MANDATORY)
public class Dispatch {
  private final Outbox outbox;

  Dispatch(Outbox outbox) {
    this.outbox = outbox;
  }

  /**
   * A generation as stored: what the worker needs to run it.
   *
   * @param params the provider params as validated and priced at the start
   * @param outputs results paid for
   * @param providerTaskId a task already submitted (a resume), or null
   */
  public record Dispatched(
      UUID id,
      long userId,
      String modelId,
      String providerModel,
      ModelKind kind,
      String prompt,
      Map<String, Object> params,
      int outputs,
      Instant deadline,
      String providerTaskId) {}

  public void send(Dispatched g, Instant now, String traceparent) {
    outbox.append(
        Topics.REQUESTS,
        g.id(),
        new GenerationRequested(
            UUID.randomUUID(),
            now,
            GenerationRequested.SCHEMA_VERSION,
            g.id(),
            g.userId(),
            g.modelId(),
            g.providerModel(),
            g.kind(),
            g.prompt(),
            g.params(),
            g.outputs(),
            g.deadline(),
            g.providerTaskId()),
        traceparent);
  }
}
