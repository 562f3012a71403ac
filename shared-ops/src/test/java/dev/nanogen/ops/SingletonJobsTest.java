package dev.nanogen.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.testkit.TestInfra;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Two replicas (each its own connections to the same PostgreSQL database) whose timers fire
 * together run a singleton job once per interval: the lock row decides, and a replica firing a
 * moment after the other finished still finds it held.
 */
class SingletonJobsTest {
  private static PGSimpleDataSource database;

  @BeforeAll
  static void lockTable() throws Exception {
    TestInfra.Database db = TestInfra.freshDatabase("nanogen_singleton_jobs_test");
    database = new PGSimpleDataSource();
    database.setUrl(db.url());
    database.setUser(db.username());
    database.setPassword(db.password());
    try (Connection connection = database.getConnection();
        Statement statement = connection.createStatement()) {
      // As each service's migration creates it.
      statement.execute(
          "CREATE TABLE shedlock (name VARCHAR(64) PRIMARY KEY, lock_until TIMESTAMPTZ NOT NULL,"
              + " locked_at TIMESTAMPTZ NOT NULL, locked_by VARCHAR(255) NOT NULL)");
    }
  }

  @Test
  void two_replicas_firing_together_run_the_job_once_per_interval() throws Exception {
    List<SingletonJobs> replicas =
        List.of(new SingletonJobs(database), new SingletonJobs(database));
    AtomicInteger runs = new AtomicInteger();
    Duration interval = Duration.ofSeconds(2);

    for (int round = 1; round <= 2; round++) {
      int before = runs.get();
      long ranHere = fireTogether(replicas, 8, interval, runs::incrementAndGet);

      assertThat(runs.get() - before).as("round %d", round).isEqualTo(1);
      assertThat(ranHere).isEqualTo(1);
      // A replica firing again within the interval, after the run ended, still skips it.
      assertThat(replicas.get(1).run("reconcile", interval, runs::incrementAndGet)).isFalse();
      assertThat(runs.get() - before).isEqualTo(1);
      Awaitility.await().pollDelay(interval).atMost(interval.multipliedBy(3)).until(() -> true);
    }
  }

  @Test
  void jobs_of_other_names_do_not_wait_for_each_other() {
    SingletonJobs replica = new SingletonJobs(database);
    AtomicInteger runs = new AtomicInteger();

    assertThat(replica.run("purge-a", Duration.ofMinutes(1), runs::incrementAndGet)).isTrue();
    assertThat(replica.run("purge-b", Duration.ofMinutes(1), runs::incrementAndGet)).isTrue();
    assertThat(replica.run("purge-a", Duration.ofMinutes(1), runs::incrementAndGet)).isFalse();
    assertThat(runs).hasValue(2);
  }

  /** Every replica fires {@code threads / 2} times at once; answers how many fired a run. */
  private static long fireTogether(
      List<SingletonJobs> replicas, int threads, Duration interval, Runnable job) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Boolean>> fired = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      SingletonJobs replica = replicas.get(i % replicas.size());
      fired.add(
          pool.submit(
              () -> {
                go.await();
                return replica.run("reconcile", interval, job);
              }));
    }
    go.countDown();
    long ran = 0;
    for (Future<Boolean> f : fired) {
      if (f.get()) {
        ran++;
      }
    }
    pool.shutdown();
    return ran;
  }
}
