package dev.deneb.fencing.dialect;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The few JDBC idioms the dialects repeat. */
final class Jdbc {

  private Jdbc() {}

  static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** First column of the single row {@code sql} returns. */
  static String string(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      if (!rs.next()) {
        throw new SQLException("'" + sql + "' returned no row");
      }
      return rs.getString(1);
    }
  }

  static long number(Connection c, String sql) throws SQLException {
    String v = string(c, sql);
    if (v == null) {
      throw new SQLException("'" + sql + "' returned NULL");
    }
    return Long.parseLong(v.trim());
  }

  static boolean flag(Connection c, String sql) throws SQLException {
    return number(c, sql) != 0;
  }

  /** All rows of a SHOW statement. */
  static List<StatusRow> rows(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      List<StatusRow> out = new ArrayList<>();
      while (rs.next()) {
        out.add(StatusRow.read(sql, rs));
      }
      return out;
    }
  }

  /** The single row of a SHOW statement, empty when it returns none. */
  static Optional<StatusRow> optionalRow(Connection c, String sql) throws SQLException {
    List<StatusRow> rows = rows(c, sql);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  /** Runs {@code body} with session {@code sql_log_bin=0}, restoring the previous value after. */
  static <T> T withoutBinlog(Connection c, SqlCall<T> body) throws SQLException {
    boolean wasOn = flag(c, "SELECT @@SESSION.sql_log_bin");
    execute(c, "SET SESSION sql_log_bin = 0");
    try {
      return body.call();
    } finally {
      if (wasOn) {
        execute(c, "SET SESSION sql_log_bin = 1");
      }
    }
  }

  /** A JDBC step that returns a value. */
  @FunctionalInterface
  interface SqlCall<T> {
    T call() throws SQLException;
  }
}
