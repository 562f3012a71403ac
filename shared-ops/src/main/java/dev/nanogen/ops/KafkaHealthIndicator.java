package dev.nanogen.ops;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Health of the Kafka cluster as this service sees it: up when the cluster answers a describe
 * within {@code timeout}, with the number of brokers; down otherwise. One long-lived admin client.
 */
public class KafkaHealthIndicator extends AbstractHealthIndicator implements DisposableBean {
  private final AdminClient admin;
  private final Duration timeout;

  public KafkaHealthIndicator(KafkaAdmin kafkaAdmin, Duration timeout) {
    super("Kafka health check failed");
    this.admin = AdminClient.create(kafkaAdmin.getConfigurationProperties());
    this.timeout = timeout;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) throws Exception {
    DescribeClusterOptions options =
        new DescribeClusterOptions().timeoutMs((int) timeout.toMillis());
    Collection<Node> nodes =
        admin.describeCluster(options).nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    builder.up().withDetail("brokers", nodes.size());
  }

  @Override
  public void destroy() {
    admin.close(Duration.ofSeconds(1));
  }
}
