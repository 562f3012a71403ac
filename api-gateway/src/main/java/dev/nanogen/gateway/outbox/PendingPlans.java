package dev.nanogen.gateway.outbox;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * How statements that read {@code outbox_pending} are planned. The table swings from empty to a
 * backlog of any size (a Kafka outage, a drain), and autovacuum truncates it to nothing between
 * backlogs, when PostgreSQL's statistics say it holds no row. A plan made then and cached by a
 * prepared statement (PgJDBC prepares a statement on the server after a few runs, and PostgreSQL
 * may then keep one generic plan) treats the table as empty for as long as it stays cached:
 *
 * <ul>
 *   <li>the relay's claim scanned and sorted the whole backlog every round (auto_explain during a
 *       drain: 100 ms a round on 25 000 rows);
 *   <li>the sweeper's "is the request still queued?" anti-join looped over every queued request for
 *       every candidate generation (EXPLAIN ANALYZE, 8 000 of each: 5 879 ms; planned for the real
 *       size: 11 ms), and housekeeping's purge over every pending row for every old event.
 * </ul>
 *
 * Each such statement's transaction first calls one of these (they last until it ends).
 */
public final class PendingPlans {
  private static final String INDEX_PLANS =
      "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)";
  private static final String PLAN_AFRESH = "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)";

  private PendingPlans() {}

  /**
   * For the relay's rounds, many a second: an index plan is right at every size of the table, so
   * that is the plan made and cached. (Planning every round afresh raised the steady commit-to-ack
   * p50 from 3 to 5 ms; planning afresh only for full rounds was worse on both counts, p50 6.3 ms
   * and 17 µs of PostgreSQL per drained row against 5.)
   */
  static void indexPlans(JdbcClient jdbc) {
    jdbc.sql(INDEX_PLANS).query().listOfRows();
  }

  /**
   * For occasional statements that join the table to others: planned afresh, with the table's
   * current size, each time.
   */
  public static void planAfresh(JdbcClient jdbc) {
    jdbc.sql(PLAN_AFRESH).query().listOfRows();
  }
}
