package dev.nanogen.worker.job;

import java.math.BigDecimal;
import java.util.UUID;

/**
 * What one run of a generation got so far: the granted claim, whether the submission was announced
 * (from then on it may be at the provider), the provider's task and the route that took it, and
 * what the provider said it cost. Read when the run ends to decide between an outcome and a
 * hand-back.
 */
final class Progress {
  UUID claimId;
  boolean sent;
  String taskId;
  String route;
  BigDecimal cost;

  Progress(String taskId, String route) {
    this.taskId = taskId;
    this.route = route;
  }

  /** Sent and not yet accepted under a task id: never handed to another submission. */
  boolean sentWithoutTask() {
    return sent && taskId == null;
  }
}
