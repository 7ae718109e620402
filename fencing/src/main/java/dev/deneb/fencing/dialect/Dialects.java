package dev.deneb.fencing.dialect;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Picks the dialect for a server from its version string. */
public final class Dialects {

  private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)");

  private Dialects() {}

  /**
   * Asks the server for {@code @@version} and {@code @@version_comment}.
   *
   * @throws SQLException when the server is unreachable
   * @throws IllegalArgumentException when the server is a version Deneb does not support
   */
  public static SqlDialect detect(Connection c) throws SQLException {
    return forVersion(
        Jdbc.string(c, "SELECT @@version"), Jdbc.string(c, "SELECT @@version_comment"));
  }

  /**
   * The dialect for a version string such as {@code 11.4.5-MariaDB-log} or {@code 8.4.3}.
   * MariaDB says so in {@code @@version} (and in {@code @@version_comment}); anything else is
   * taken for MySQL.
   *
   * @throws IllegalArgumentException naming the version when it is below MariaDB 10.6 or MySQL
   *     8.0.23 (the first with {@code CHANGE REPLICATION SOURCE TO}), or unreadable
   */
  public static SqlDialect forVersion(String version, String versionComment) {
    Matcher m = VERSION.matcher(version == null ? "" : version);
    if (!m.find()) {
      throw new IllegalArgumentException("cannot read server version '" + version + "'");
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    int patch = Integer.parseInt(m.group(3));
    boolean mariaDb = version.contains("MariaDB")
        || (versionComment != null && versionComment.contains("MariaDB"));
    if (mariaDb) {
      if (major < 10 || (major == 10 && minor < 6)) {
        throw new IllegalArgumentException(
            "MariaDB " + version + " is not supported; Deneb needs MariaDB 10.6 or later");
      }
      return new MariaDbDialect();
    }
    if (major < 8 || (major == 8 && minor == 0 && patch < 23)) {
      throw new IllegalArgumentException(
          "MySQL " + version + " is not supported; Deneb needs MySQL 8.0.23 or later");
    }
    return new MySqlDialect();
  }
}
