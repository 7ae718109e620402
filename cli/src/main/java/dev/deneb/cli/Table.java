package dev.deneb.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain-text table: left-aligned columns two spaces apart, {@code -} for a missing value, no
 * trailing spaces (so output diffs and greps cleanly). Without headers it prints key/value blocks.
 */
public final class Table {

  private final List<String> headers;
  private final int columns;
  private final List<List<String>> rows = new ArrayList<>();

  private Table(List<String> headers, int columns) {
    this.headers = headers;
    this.columns = columns;
  }

  public static Table withHeaders(String... headers) {
    return new Table(List.of(headers), headers.length);
  }

  public static Table withoutHeaders(int columns) {
    return new Table(List.of(), columns);
  }

  /** Adds a row; {@code null} and blank cells print as {@code -}. */
  public Table row(Object... cells) {
    if (cells.length != columns) {
      throw new IllegalArgumentException("row has " + cells.length + " cells, the table " + columns + " columns: " + Arrays.toString(cells));
    }
    List<String> row = new ArrayList<>(columns);
    for (Object cell : cells) {
      String text = cell == null ? "" : cell.toString();
      row.add(text.isBlank() ? "-" : text);
    }
    rows.add(row);
    return this;
  }

  public boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Lines ending in '\n'; an empty string for a table without headers or rows. */
  public String render() {
    List<List<String>> lines = new ArrayList<>();
    if (!headers.isEmpty()) {
      lines.add(headers);
    }
    lines.addAll(rows);
    int[] widths = new int[columns];
    for (List<String> line : lines) {
      for (int c = 0; c < columns; c++) {
        widths[c] = Math.max(widths[c], line.get(c).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<String> line : lines) {
      StringBuilder text = new StringBuilder();
      for (int c = 0; c < columns; c++) {
        String cell = line.get(c);
        text.append(cell);
        if (c < columns - 1) {
          text.append(" ".repeat(widths[c] - cell.length() + 2));
        }
      }
      out.append(text.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }
}
