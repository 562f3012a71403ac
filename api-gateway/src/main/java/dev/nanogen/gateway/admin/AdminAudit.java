package dev.nanogen.gateway.admin;

import java.sql.Timestamp;
import java.time.Clock;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Writes every admin action to the admin_audit table, in the action's transaction. */
@Component
public class AdminAudit {
  private static final String RECORD =
      "INSERT INTO admin_audit (action, user_id, details, at) VALUES (:action, :userId, :details, :at)";

  private final JdbcClient jdbc;
  private final Clock clock;

  AdminAudit(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  public void record(String action, Long userId, String details) {
    jdbc.sql(RECORD)
        .param("action", action)
        .param("userId", userId)
        .param("details", details)
        .param("at", Timestamp.from(clock.instant()))
        .update();
  }
}
