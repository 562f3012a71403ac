package dev.nanogen.gateway.outbox;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * How statements that read {@code outbox_pending} are planned. The table swings from empty to a
 * backlog of any size (a Kafka outage, a drain), and autovacuum truncates it to nothing between
 * backlogs, when PostgreSQL's statistics say it holds no row. A generic plan made then and cached
 * by a prepared statement treats the table as empty for as long as it stays cached: scans and
 * nested loops over the whole backlog (docs/decisions.md, "The outbox's statements plan for any
 * backlog").
 *
 * <p>Each such statement's transaction first calls one of these (they last until it ends).
 */
final class PendingPlans {
  private static final String INDEX_PLANS =
      "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)";
  private static final String PLAN_AFRESH =
      "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)";

  private PendingPlans() {}

  /**
   * For the relay's rounds, many a second: an index plan is right at every size of the table, so
   * that is the plan made and cached (cheaper than planning each round afresh).
   */
  static void indexPlans(JdbcClient jdbc) {
    jdbc.sql(INDEX_PLANS).query().listOfRows();
  }

  /**
   * For occasional statements that join the table to others (the "still queued?" lookup, the
   * purge): planned afresh, with the table's current size, each time.
   */
  static void planAfresh(JdbcClient jdbc) {
    jdbc.sql(PLAN_AFRESH).query().listOfRows();
  }
}
