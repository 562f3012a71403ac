package dev.nanogen.gateway.outbox;

/** A taken outbox row, ready to send; {@code attempts}: its failed sends so far. */
record OutboxRow(
    long id,
    String topic,
    String messageKey,
    String eventType,
    String payload,
    String traceparent,
    int attempts,
    java.time.Instant createdAt) {}
