package dev.nanogen.gateway.error;

import java.sql.SQLException;
import org.springframework.dao.PessimisticLockingFailureException;

/**
 * Recognizes PostgreSQL's lock_timeout (SQLSTATE 55P03), however the driver's error was wrapped.
 */
public final class LockTimeout {
  private LockTimeout() {}

  public static boolean is(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof PessimisticLockingFailureException
          || t instanceof SQLException sql && "55P03".equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }
}
