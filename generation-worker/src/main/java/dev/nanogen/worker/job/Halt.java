package dev.nanogen.worker.job;

/** Why a run stops short of submitting or of an outcome; never carries a stack trace. */
abstract sealed class Halt extends RuntimeException {
  Halt(String reason) {
    super(reason, null, false, false);
  }

  /**
   * The gateway refused the claim: the generation was cancelled or has ended (it already settled
   * it), or another attempt holds the claim. Nothing was submitted and no outcome is published.
   */
  static final class NotClaimed extends Halt {
    NotClaimed() {
      super("not claimed");
    }
  }

  /** Nothing was sent and this worker cannot send it now: the generation is handed back. */
  static final class Unsent extends Halt {
    Unsent(String reason) {
      super(reason);
    }
  }

  /** The process is stopping: the generation is handed back. */
  static final class Stopping extends Halt {
    Stopping() {
      super("worker stopping");
    }
  }
}
