package dev.deneb.fencing.dialect;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a test resource written by {@link ReplicaStatusRecorder} (or built by hand in its format):
 * {@code #} header lines, then sections headed {@code [statement]}, each a list of
 * {@code column<TAB>value} lines with {@code \N} for SQL NULL and {@code \n}, {@code \t},
 * {@code \\} escapes. A statement that returned several rows has several sections.
 */
record RecordedOutput(String resource, List<String> header, List<StatusRow> rows) {

  static RecordedOutput load(String resource) {
    try (InputStream in = RecordedOutput.class.getResourceAsStream("/replica-status/" + resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource replica-status/" + resource);
      }
      return parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static RecordedOutput parse(String resource, String text) {
    List<String> header = new ArrayList<>();
    List<StatusRow> rows = new ArrayList<>();
    String statement = null;
    Map<String, String> columns = null;
    for (String line : text.split("\n", -1)) {
      if (line.startsWith("[")) {
        if (statement != null) {
          rows.add(new StatusRow(statement, columns));
        }
        statement = line.substring(1, line.indexOf(']'));
        columns = new LinkedHashMap<>();
      } else if (line.startsWith("#")) {
        if (statement == null) {
          header.add(line.substring(1).trim());
        }
      } else if (!line.isEmpty()) {
        if (columns == null) {
          throw new IllegalArgumentException(resource + ": column line before any [statement]: " + line);
        }
        int tab = line.indexOf('\t');
        if (tab < 0) {
          throw new IllegalArgumentException(resource + ": no TAB in line: " + line);
        }
        String value = line.substring(tab + 1);
        columns.put(line.substring(0, tab), value.equals("\\N") ? null : unescape(value));
      }
    }
    if (statement != null) {
      rows.add(new StatusRow(statement, columns));
    }
    return new RecordedOutput(resource, header, rows);
  }

  private static String unescape(String v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.length(); i++) {
      char ch = v.charAt(i);
      if (ch == '\\' && i + 1 < v.length()) {
        char next = v.charAt(++i);
        sb.append(switch (next) {
          case 'n' -> '\n';
          case 't' -> '\t';
          default -> next;
        });
      } else {
        sb.append(ch);
      }
    }
    return sb.toString();
  }

  /** The first row recorded for {@code statement}. */
  StatusRow row(String statement) {
    return rows.stream()
        .filter(r -> r.statement().equals(statement))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(resource + " has no [" + statement + "] section"));
  }

  /** A column of the first row whose statement starts with {@code statementPrefix}. */
  String value(String statementPrefix, String column) {
    return rows.stream()
        .filter(r -> r.statement().startsWith(statementPrefix))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(resource + " has no [" + statementPrefix + "...] section"))
        .nullable(column);
  }

  /** The "server-version:" header line. */
  String serverVersion() {
    return header.stream()
        .filter(h -> h.startsWith("server-version:"))
        .map(h -> h.substring("server-version:".length()).trim())
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(resource + " has no server-version header"));
  }
}
