package dev.nanogen.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class KafkaBrokerTest {

  /** One random id in 64 began with "-" before, and the storage tool took it for an option. */
  @Test
  void no_cluster_id_reads_as_a_command_line_option() {
    assertThat(IntStream.range(0, 10_000).mapToObj(i -> KafkaBroker.clusterId()))
        .allSatisfy(id -> assertThat(id).doesNotStartWith("-").hasSize(22));
  }
}
