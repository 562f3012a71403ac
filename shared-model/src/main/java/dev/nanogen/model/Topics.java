package dev.nanogen.model;

/**
 * Kafka topic names. Every generation record is keyed by the generation id, so all events of one
 * generation stay in one partition and in order. The value is JSON; the header {@link
 * #EVENT_TYPE_HEADER} names the record type (its simple class name).
 */
public final class Topics {
  /** gateway → worker: {@link GenerationRequested}. */
  public static final String REQUESTS = "nanogen.generation.requests";

  /**
   * worker → gateway: {@link GenerationStarted}, {@link GenerationSucceeded}, {@link
   * GenerationFailed}, {@link GenerationHandedBack}.
   */
  public static final String OUTCOMES = "nanogen.generation.outcomes";

  /**
   * gateway → every worker: {@link GenerationClaimed}, the answer to a worker's claim. Each worker
   * reads all of it (a group of its own), since any of them may be waiting for an answer.
   */
  public static final String CLAIMS = "nanogen.generation.claims";

  /**
   * gateway → notifier, what the user is told: {@link GenerationSettled}, once the credits are
   * settled; {@link GenerationProcessingStarted} when started notices are on; {@link
   * PaymentReceived}, keyed by the payment id, once a purchase's credits are added.
   */
  public static final String SETTLED = "nanogen.generation.settled";

  /**
   * notifier → gateway: {@link ChatStatusChanged}, keyed by the user id (not a generation: it is
   * about the user's chat).
   */
  public static final String CHATS = "nanogen.notifier.chats";

  /**
   * worker → gateway: {@link ModelAvailabilityChanged}, keyed by the catalog model id (a worker's
   * circuit breaker for that model opened or closed).
   */
  public static final String MODELS = "nanogen.worker.models";

  /**
   * worker → gateway: {@link WorkerHeartbeat}, keyed by the worker id; short retention (a heartbeat
   * older than its lease says nothing).
   */
  public static final String HEARTBEATS = "nanogen.worker.heartbeats";

  /** How long {@link #HEARTBEATS} keeps a record. */
  public static final java.time.Duration HEARTBEAT_RETENTION = java.time.Duration.ofHours(1);

  /** Suffix of each topic's dead-letter topic. */
  public static final String DLT_SUFFIX = ".dlt";

  /** Header naming the record type of a value. */
  public static final String EVENT_TYPE_HEADER = "nanogen-event-type";

  private Topics() {}
}
