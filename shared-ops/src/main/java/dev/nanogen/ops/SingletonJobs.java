package dev.nanogen.ops;

import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Runs a job that must run once per interval across all replicas of a service — a purge, the ledger
 * check — on whichever replica takes its lock first (ShedLock, a row per job in the service's own
 * {@code shedlock} table, times from the database's clock). The lock is held at least {@code
 * atLeast} (a little less than the job's interval), so a replica whose timer fires a moment later
 * finds it taken and skips that interval; at most {@link #AT_MOST} covers a replica that died
 * holding it.
 */
public class SingletonJobs {
  /** The longest a lock outlives a replica that died while holding it. */
  public static final Duration AT_MOST = Duration.ofMinutes(30);

  private final LockingTaskExecutor executor;

  public SingletonJobs(DataSource dataSource) {
    this.executor =
        new DefaultLockingTaskExecutor(
            new JdbcTemplateLockProvider(
                JdbcTemplateLockProvider.Configuration.builder()
                    .withJdbcTemplate(new JdbcTemplate(dataSource))
                    .usingDbTime()
                    .build()));
  }

  /**
   * Runs {@code job} here unless another replica ran it less than {@code atLeast} ago or runs it
   * now; answers whether it ran here.
   */
  public boolean run(String name, Duration atLeast, Runnable job) {
    Duration atMost = atLeast.compareTo(AT_MOST) > 0 ? atLeast : AT_MOST;
    try {
      return executor
          .executeWithLock(
              (LockingTaskExecutor.TaskWithResult<Boolean>)
                  () -> {
                    job.run();
                    return true;
                  },
              new LockConfiguration(Instant.now(), name, atMost, atLeast))
          .wasExecuted();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("singleton job " + name + " failed", e);
    }
  }
}
