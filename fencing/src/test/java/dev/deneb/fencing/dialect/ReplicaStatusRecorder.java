package dev.deneb.fencing.dialect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Not a test: the tool that recorded {@code src/test/resources/replica-status/mariadb-*.txt} from
 * real replicas, kept so that anyone can record a new server version the same way.
 *
 * <pre>
 * java -cp target/test-classes:$HOME/.m2/repository/com/mysql/mysql-connector-j/9.7.0/mysql-connector-j-9.7.0.jar \
 *   dev.deneb.fencing.dialect.ReplicaStatusRecorder \
 *   'jdbc:mysql://127.0.0.1:33062/?user=root&amp;connectTimeout=2000&amp;socketTimeout=5000' out.txt \
 *   'how it was set up|one line per |' \
 *   'SHOW REPLICA STATUS;SHOW ALL REPLICAS STATUS;SELECT @@gtid_current_pos AS gtid_current_pos'
 * </pre>
 *
 * Each statement's rows are written as {@code [statement]} sections of {@code column<TAB>value}
 * lines ({@code \N} for NULL), read back by {@link RecordedOutput}.
 */
public final class ReplicaStatusRecorder {

  private ReplicaStatusRecorder() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: ReplicaStatusRecorder JDBC_URL OUT_FILE 'how|how...' 'STATEMENT;STATEMENT...'");
      System.exit(2);
    }
    String url = args[0];
    try (Connection c = DriverManager.getConnection(url)) {
      StringBuilder sb = new StringBuilder();
      DatabaseMetaData md = c.getMetaData();
      sb.append("# server-version: ").append(scalar(c, "SELECT VERSION()")).append('\n');
      sb.append("# driver: ").append(md.getDriverName()).append(' ').append(md.getDriverVersion()).append('\n');
      sb.append("# jdbc-url: ").append(url.replaceAll("password=[^&]*", "password=***")).append('\n');
      sb.append("# recorded-at: ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append('\n');
      for (String line : args[2].split("\\|")) {
        sb.append("# how: ").append(line.trim()).append('\n');
      }
      sb.append("# format: one 'name<TAB>value' per line; \\N is SQL NULL; \\n and \\t and \\\\ are escapes.\n");
      for (String statement : args[3].split(";")) {
        statement = statement.trim();
        if (!statement.isEmpty()) {
          appendRows(c, statement, sb);
        }
      }
      Files.writeString(Path.of(args[1]), sb.toString());
      System.out.print(sb);
    }
  }

  private static void appendRows(Connection c, String statement, StringBuilder sb) throws SQLException {
    sb.append("\n[").append(statement).append("]\n");
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(statement)) {
      ResultSetMetaData m = rs.getMetaData();
      int row = 0;
      while (rs.next()) {
        if (row++ > 0) {
          sb.append("\n[").append(statement).append("] # row ").append(row).append('\n');
        }
        for (int i = 1; i <= m.getColumnCount(); i++) {
          String v = rs.getString(i);
          sb.append(m.getColumnLabel(i)).append('\t').append(v == null ? "\\N" : escape(v)).append('\n');
        }
      }
      if (row == 0) {
        sb.append("# (no rows)\n");
      }
    }
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t");
  }

  private static String scalar(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
