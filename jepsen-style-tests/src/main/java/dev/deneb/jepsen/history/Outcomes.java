package dev.deneb.jepsen.history;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Set;

/**
 * The rule that decides how a client error is recorded. It is the rule that makes the lost-write
 * and phantom checks sound, so every client worker goes through it:
 *
 * <ul>
 *   <li>{@code fail} means the write <em>definitely</em> did not happen: the request never left the
 *       client (connect refused, pool exhausted), or the server answered with an error (read-only,
 *       duplicate key, deadlock) which, for a single autocommit statement or a {@code COMMIT}, means
 *       it was rolled back.
 *   <li>{@code info} means we do not know: the connection broke, timed out or was killed <em>after
 *       the request was sent</em>. The server may have committed it just before. A connection error
 *       after the request was sent is therefore {@code info}, never {@code fail}.
 * </ul>
 *
 * When unsure, the answer is {@code info}: a wrong {@code info} only weakens a check, a wrong
 * {@code fail} makes checkers report false violations or miss real ones.
 */
public final class Outcomes {
  private Outcomes() {}

  /** How a request ended when it did not end {@code ok}. */
  public enum ErrorKind {
    /** The request was never sent. */
    NOT_SENT,
    /** The server answered with an error: the transaction was rolled back. */
    REJECTED,
    /** Sent, then no answer (connection lost, timeout, session killed): it may have committed. */
    INDETERMINATE
  }

  /** MariaDB/MySQL codes that mean the session died under the statement, not that it was refused. */
  private static final Set<Integer> INDETERMINATE_CODES = Set.of(
      1317, // ER_QUERY_INTERRUPTED: KILL QUERY while it ran
      1927, // ER_CONNECTION_KILLED: KILL CONNECTION (fencing kills sessions)
      2006, // CR_SERVER_GONE_ERROR
      2013  // CR_SERVER_LOST
  );

  /** The op type that records an error of this kind. */
  public static OpType typeFor(ErrorKind kind) {
    return switch (kind) {
      case NOT_SENT, REJECTED -> OpType.FAIL;
      case INDETERMINATE -> OpType.INFO;
    };
  }

  /**
   * Classifies an exception thrown by a client request.
   *
   * @param requestSent whether the request had been written to the connection when it failed; a
   *     worker that cannot tell must pass {@code true}
   */
  public static ErrorKind classify(Throwable error, boolean requestSent) {
    if (!requestSent) return ErrorKind.NOT_SENT;
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && isServerRefusal(sql)) return ErrorKind.REJECTED;
      if (t instanceof SQLException) return ErrorKind.INDETERMINATE;
    }
    // No SQLException at all (an IOException, a timeout of our own): nothing says it was refused.
    return ErrorKind.INDETERMINATE;
  }

  /** The completion of {@code invoke} for an error, typed by {@link #classify}. */
  public static Op complete(Op invoke, long index, long time, Throwable error, boolean requestSent) {
    OpType type = typeFor(classify(error, requestSent));
    return invoke.completion(type, index, time, null, String.valueOf(error));
  }

  private static boolean isServerRefusal(SQLException e) {
    if (e instanceof SQLTransientConnectionException || e instanceof SQLNonTransientConnectionException
        || e instanceof SQLRecoverableException || e instanceof SQLTimeoutException) {
      return false;
    }
    String state = e.getSQLState();
    if (state == null || state.startsWith("08") || state.equals("70100")) return false;
    return !INDETERMINATE_CODES.contains(e.getErrorCode());
  }
}
