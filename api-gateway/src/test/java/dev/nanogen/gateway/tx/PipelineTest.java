package dev.nanogen.gateway.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nanogen.gateway.IntegrationTest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@link Pipeline} against the real PostgreSQL: statements in order in one send, a write that
 * changes no row undoing the whole transaction, and — what a start's correctness rests on — a read
 * after a {@code FOR UPDATE} in the same send seeing what the lock waited for.
 */
class PipelineTest extends IntegrationTest {
  @Autowired private Pipelines pipelines;
  @Autowired private TransactionTemplate tx;

  private long key;

  @BeforeEach
  void table() {
    jdbc.sql(
            "CREATE TABLE IF NOT EXISTS pipeline_test (id bigint PRIMARY KEY, grp bigint NOT NULL)")
        .update();
    key = newUserId() * 100;
    jdbc.sql("INSERT INTO pipeline_test (id, grp) VALUES (:id, :id)").param("id", key).update();
  }

  private long rowsOf(long group) {
    return jdbc.sql("SELECT count(*) FROM pipeline_test WHERE grp = :g")
        .param("g", group)
        .query(Long.class)
        .single();
  }

  @Test
  void statements_run_in_order_and_each_answers_its_own_rows() {
    List<Long> counts =
        tx.execute(
            s -> {
              Pipeline p = pipelines.open();
              p.update(
                  "INSERT INTO pipeline_test (id, grp) VALUES (:id, :grp)",
                  new MapSqlParameterSource("id", key + 1).addValue("grp", key));
              Pipeline.Result<List<Long>> afterOne =
                  p.query(
                      "SELECT count(*) FROM pipeline_test WHERE grp = :grp",
                      new MapSqlParameterSource("grp", key),
                      (rs, n) -> rs.getLong(1));
              p.update(
                  "INSERT INTO pipeline_test (id, grp) VALUES (:id, :grp)",
                  new MapSqlParameterSource("id", key + 2).addValue("grp", key));
              Pipeline.Result<Long> afterTwo =
                  p.query(
                          "SELECT id FROM pipeline_test WHERE grp = :grp AND id IN (:ids)",
                          new MapSqlParameterSource("grp", key)
                              .addValue("ids", List.of(key, key + 1, key + 2, key + 3)),
                          (rs, n) -> rs.getLong(1))
                      .map(rows -> (long) rows.size());
              assertThatThrownBy(afterOne::get)
                  .as("a result before the send")
                  .isInstanceOf(IllegalStateException.class);
              p.send();
              return List.of(afterOne.get().getFirst(), afterTwo.get());
            });
    assertThat(counts).containsExactly(2L, 3L);
    assertThat(rowsOf(key)).isEqualTo(3);
  }

  @Test
  void a_write_that_changes_no_row_fails_the_send_and_undoes_the_transaction() {
    assertThatThrownBy(
            () ->
                tx.executeWithoutResult(
                    s -> {
                      Pipeline p = pipelines.open();
                      p.update(
                          "INSERT INTO pipeline_test (id, grp) VALUES (:id, :grp)",
                          new MapSqlParameterSource("id", key + 1).addValue("grp", key));
                      p.update(
                          "UPDATE pipeline_test SET grp = grp WHERE id = :id",
                          new MapSqlParameterSource("id", -key));
                      p.send();
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("changed 0 rows");
    assertThat(rowsOf(key)).as("the INSERT before it, rolled back").isEqualTo(1);
  }

  @Test
  void a_read_after_a_lock_in_the_same_send_sees_the_commit_the_lock_waited_for() throws Exception {
    // Threads of their own: the common pool may have a single thread on a small machine.
    ExecutorService threads = Executors.newFixedThreadPool(2);
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch commit = new CountDownLatch(1);
    CompletableFuture<Void> holder =
        CompletableFuture.runAsync(
            () ->
                tx.executeWithoutResult(
                    s -> {
                      jdbc.sql("SELECT id FROM pipeline_test WHERE id = :id FOR UPDATE")
                          .param("id", key)
                          .query(Long.class)
                          .single();
                      jdbc.sql("INSERT INTO pipeline_test (id, grp) VALUES (:id, :grp)")
                          .param("id", key + 1)
                          .param("grp", key)
                          .update();
                      locked.countDown();
                      try {
                        commit.await(30, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }),
            threads);
    assertThat(locked.await(30, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Long> reader =
        CompletableFuture.supplyAsync(
            () ->
                tx.execute(
                    s -> {
                      Pipeline p = pipelines.open();
                      p.query(
                          "SELECT id FROM pipeline_test WHERE id = :id FOR UPDATE",
                          new MapSqlParameterSource("id", key),
                          (rs, n) -> rs.getLong(1));
                      Pipeline.Result<List<Long>> count =
                          p.query(
                              "SELECT count(*) FROM pipeline_test WHERE grp = :grp",
                              new MapSqlParameterSource("grp", key),
                              (rs, n) -> rs.getLong(1));
                      p.send();
                      return count.get().getFirst();
                    }),
            threads);
    // The reader's lock waits on the holder's.
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                jdbc.sql(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%pipeline_test%FOR UPDATE%'")
                        .query(Long.class)
                        .single()
                    > 0);
    commit.countDown();
    holder.get(30, TimeUnit.SECONDS);
    assertThat(reader.get(30, TimeUnit.SECONDS))
        .as("the count, read after the lock was granted, includes the holder's row")
        .isEqualTo(2);
    threads.shutdown();
  }
}
