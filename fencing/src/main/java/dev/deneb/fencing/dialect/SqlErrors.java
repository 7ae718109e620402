package dev.deneb.fencing.dialect;

import java.sql.SQLException;
import java.sql.SQLTimeoutException;

/**
 * Classifies the {@link SQLException}s the dialects let through, so callers need not know error
 * numbers.
 */
public final class SqlErrors {

  /** MySQL and MariaDB: lock_wait_timeout exceeded (also on {@code SET GLOBAL read_only}). */
  public static final int LOCK_WAIT_TIMEOUT = 1205;
  /** MariaDB: max_statement_time exceeded. */
  public static final int STATEMENT_TIMEOUT = 1969;
  /** MySQL: statement interrupted (what a driver-side query timeout raises). */
  public static final int QUERY_INTERRUPTED = 1317;
  /** KILL of a connection id that no longer exists. */
  public static final int NO_SUCH_THREAD = 1094;
  /** Refused because of {@code --read-only} (or super_read_only). */
  public static final int READ_ONLY_REFUSED = 1290;

  private SqlErrors() {}

  /**
   * True when the exception means the server could not be reached or stopped answering: a
   * refused or timed-out connect, a socket timeout on a server that accepts TCP but hangs
   * (SIGSTOP), a connection the server closed. JDBC reports all of these with SQLState class
   * {@code 08} ("connection exception"); Connector/J uses 08001 and 08S01.
   */
  public static boolean isConnectionFailure(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08")) {
        return true;
      }
    }
    return false;
  }

  /** True when a statement gave up waiting (lock wait, statement time limit, driver timeout). */
  public static boolean isTimeout(SQLException e) {
    int code = e.getErrorCode();
    return e instanceof SQLTimeoutException
        || code == LOCK_WAIT_TIMEOUT
        || code == STATEMENT_TIMEOUT
        || code == QUERY_INTERRUPTED;
  }

  /** A short "code (SQLState): message" text for logs and reasons. */
  public static String describe(SQLException e) {
    return e.getErrorCode() + " (" + e.getSQLState() + "): " + e.getMessage();
  }
}
