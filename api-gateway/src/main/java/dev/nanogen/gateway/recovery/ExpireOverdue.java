package dev.nanogen.gateway.recovery;

import dev.nanogen.gateway.generation.Ending;
import dev.nanogen.gateway.generation.GenerationTransitions;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Fails every open generation past its deadline with TIMEOUT and releases its hold, through the
 * same conditional transition as any other ending (so a worker's outcome racing it changes nothing,
 * and a GenerationSettled tells the user). Replicas sweep disjoint rows (SKIP LOCKED).
 */
@Component
class ExpireOverdue {
  /**
   * :now — generations whose timeout_at has passed :limit — rows per sweep The rows stay locked
   * until this sweep's transaction ends; another replica skips them.
   */
  private static final String CLAIM_OVERDUE =
      """
      SELECT id FROM generations
      WHERE status IN ('pending', 'processing') AND timeout_at < :now
      ORDER BY timeout_at
      LIMIT :limit
      FOR UPDATE SKIP LOCKED
      """;

  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final GenerationTransitions transitions;

  ExpireOverdue(JdbcClient jdbc, TransactionTemplate tx, GenerationTransitions transitions) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.transitions = transitions;
  }

  /** Returns how many generations it failed. */
  int sweep(Instant now, int limit) {
    Integer expired =
        tx.execute(
            status -> {
              List<UUID> overdue =
                  jdbc.sql(CLAIM_OVERDUE)
                      .param("now", Timestamp.from(now))
                      .param("limit", limit)
                      .query(UUID.class)
                      .list();
              int count = 0;
              for (UUID id : overdue) {
                Ending timeout =
                    Ending.failed(
                        "TIMEOUT", "no result before the deadline", "timed out (sweeper)");
                if (transitions.finish(id, timeout, null)) {
                  count++;
                }
              }
              return count;
            });
    return expired == null ? 0 : expired;
  }
}
