package dev.deneb.fencing.dialect;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One row of a SHOW statement as column label to text (null for SQL NULL), read by name because
 * column order differs between server versions. Getters throw naming the column, so a server that
 * renamed a column fails loudly instead of reporting a healthy replica.
 */
public record StatusRow(String statement, Map<String, String> columns) {

  public StatusRow {
    columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
  }

  /** Reads the current row of {@code rs}. */
  static StatusRow read(String statement, ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      map.put(md.getColumnLabel(i), rs.getString(i));
    }
    return new StatusRow(statement, map);
  }

  /** The column's text; null for SQL NULL. */
  public String nullable(String column) {
    if (!columns.containsKey(column)) {
      throw new IllegalArgumentException(
          statement + " has no column " + column + "; it has " + columns.keySet());
    }
    return columns.get(column);
  }

  /** The column's text; empty for SQL NULL. */
  public String text(String column) {
    String v = nullable(column);
    return v == null ? "" : v;
  }

  /** The column as a number; empty for SQL NULL. */
  public OptionalLong optionalLong(String column) {
    String v = nullable(column);
    if (v == null || v.isEmpty()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(v.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(statement + " column " + column + " has '" + v + "', expected a number", e);
    }
  }

  /** The column as an int; 0 for SQL NULL or empty. */
  public int intValue(String column) {
    long v = optionalLong(column).orElse(0);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(statement + " column " + column + " has " + v + ", out of int range");
    }
    return (int) v;
  }

  /** "Yes"/"No" columns. */
  public boolean yesNo(String column) {
    String v = text(column);
    return switch (v) {
      case "Yes" -> true;
      case "No" -> false;
      default -> throw new IllegalArgumentException(
          statement + " column " + column + " has '" + v + "', expected Yes or No");
    };
  }
}
