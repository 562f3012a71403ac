package dev.nanogen.testkit;

import dev.nanogen.model.GenerationClaimed;
import dev.nanogen.model.GenerationStarted;
import dev.nanogen.model.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's side of the claim protocol, for suites and benchmarks that run workers without a
 * gateway: reads the workers' claims (GenerationStarted with a claim id and no task) and answers
 * each with GenerationClaimed — granted to the first claim of a generation (and to its repeats),
 * refused to any other claim and to generations the test marked {@link #refuse refused} (as a
 * cancel would). The gateway's real rule is tested against PostgreSQL in its own suite.
 */
public final class ClaimsStandIn implements AutoCloseable {
  /** The services' own wire format: snake_case. */
  private static final JsonMapper JSON =
      JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();

  private final KafkaConsumer<String, String> consumer;
  private final KafkaProducer<String, String> producer;
  private final Map<UUID, UUID> granted = new ConcurrentHashMap<>();
  private final Set<UUID> refused = ConcurrentHashMap.newKeySet();
  private final Map<UUID, Integer> claims = new ConcurrentHashMap<>();
  private final Thread loop;
  private volatile boolean open = true;
  private volatile boolean assigned;

  public ClaimsStandIn(String bootstrap) {
    this(bootstrap, Map.of());
  }

  /** The stand-in on the broker at {@code bootstrap}, with more client settings (security). */
  public ClaimsStandIn(String bootstrap, Map<String, Object> clientProperties) {
    Map<String, Object> consumerSettings = new HashMap<>(clientProperties);
    consumerSettings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    consumerSettings.put(ConsumerConfig.GROUP_ID_CONFIG, "claims-stand-in-" + UUID.randomUUID());
    // From the beginning: no claim sent while this consumer joins is missed (answers to older
    // claims reach no waiting worker and change nothing).
    consumerSettings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerSettings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    consumerSettings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    consumer = new KafkaConsumer<>(consumerSettings);
    Map<String, Object> producerSettings = new HashMap<>(clientProperties);
    producerSettings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    producerSettings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    producerSettings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    producerSettings.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    producer = new KafkaProducer<>(producerSettings);
    consumer.subscribe(List.of(Topics.OUTCOMES));
    loop = Thread.ofPlatform().daemon().name("claims-stand-in").start(this::run);
    // Wait until the consumer has its partitions, so no claim sent from now on is missed.
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!assigned && System.nanoTime() < until) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** From now on every claim of this generation is refused, as after a cancel. */
  public void refuse(UUID generationId) {
    refused.add(generationId);
  }

  /** How many claims (repeats included) workers sent for a generation. */
  public int claimsOf(UUID generationId) {
    return claims.getOrDefault(generationId, 0);
  }

  private void run() {
    try {
      while (open) {
        var records = consumer.poll(Duration.ofMillis(100));
        if (!consumer.assignment().isEmpty()) {
          assigned = true;
        }
        for (var record : records) {
          var type = record.headers().lastHeader(Topics.EVENT_TYPE_HEADER);
          if (type == null
              || !"GenerationStarted".equals(new String(type.value(), StandardCharsets.UTF_8))) {
            continue;
          }
          GenerationStarted started = JSON.readValue(record.value(), GenerationStarted.class);
          if (started.claimId() == null || started.providerTaskId() != null) {
            continue;
          }
          UUID id = started.generationId();
          claims.merge(id, 1, Integer::sum);
          boolean grant =
              !refused.contains(id)
                  && started.claimId().equals(granted.computeIfAbsent(id, g -> started.claimId()));
          GenerationClaimed answer =
              new GenerationClaimed(
                  UUID.randomUUID(),
                  Instant.now(),
                  GenerationClaimed.SCHEMA_VERSION,
                  id,
                  started.claimId(),
                  grant);
          ProducerRecord<String, String> out =
              new ProducerRecord<>(Topics.CLAIMS, id.toString(), JSON.writeValueAsString(answer));
          out.headers()
              .add(Topics.EVENT_TYPE_HEADER, "GenerationClaimed".getBytes(StandardCharsets.UTF_8));
          producer.send(out);
        }
        producer.flush();
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  @Override
  public void close() {
    open = false;
    consumer.wakeup();
    try {
      loop.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close();
  }
}
