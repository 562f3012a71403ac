package dev.nanogen.gateway.outbox;

/** A claimed outbox row, ready to send. */
record OutboxRow(
    long id,
    String topic,
    String messageKey,
    String eventType,
    String payload,
    String correlationId,
    java.time.Instant createdAt) {}
