package dev.nanogen.ops;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How each service creates the topics it uses where they are missing ({@code nanogen.kafka.*}, the
 * same for every service).
 *
 * @param partitions partitions of each event topic (the heartbeat and dead-letter topics have one)
 * @param replicas replication factor of created topics (use 3 on a real cluster)
 */
// Annotated for the configuration metadata only (its descriptions); each service binds it nested.
@ConfigurationProperties("nanogen.kafka")
public record KafkaTopics(@DefaultValue("12") int partitions, @DefaultValue("1") short replicas) {}
