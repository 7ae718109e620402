package dev.deneb.fencing.dialect;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * How to open a JDBC connection to one database server, with the timeouts Deneb always sets.
 *
 * <p>Both timeouts are mandatory because a SIGSTOPped or wedged server accepts TCP connections
 * (the kernel completes the handshake) and then never answers: without {@code connectTimeout} the
 * login hangs, without {@code socketTimeout} every later statement does. {@code socketTimeout}
 * must exceed the longest server-side wait the caller asks for (for example
 * {@link SqlDialect#waitForExecuted}'s timeout), or the driver aborts the connection first.
 *
 * @param host host name or address
 * @param port port
 * @param user account name
 * @param password password (may be empty); never printed by {@link #toString()}
 * @param connectTimeout TCP connect and login limit
 * @param socketTimeout limit on waiting for any single server reply
 */
public record DatabaseEndpoint(
    String host, int port, String user, String password, Duration connectTimeout, Duration socketTimeout) {

  public DatabaseEndpoint {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    requirePositive("connectTimeout", connectTimeout);
    requirePositive("socketTimeout", socketTimeout);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("database port must be 1..65535, got " + port);
    }
  }

  private static void requirePositive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.toMillis() < 1) {
      throw new IllegalArgumentException(name + " must be at least 1 ms (0 would mean 'wait forever'), got " + d);
    }
  }

  /** The JDBC URL without credentials. */
  public String jdbcUrl() {
    return "jdbc:mysql://" + host + ":" + port + "/";
  }

  /** The driver properties: credentials, both timeouts, and settings every Deneb connection needs. */
  public Properties properties() {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    p.setProperty("connectTimeout", Long.toString(connectTimeout.toMillis()));
    p.setProperty("socketTimeout", Long.toString(socketTimeout.toMillis()));
    // The agent's connections are few and long-lived; reconnecting silently would hide that the
    // session state (sql_log_bin, lock_wait_timeout) was lost.
    p.setProperty("autoReconnect", "false");
    return p;
  }

  /**
   * Opens a connection.
   *
   * @throws SQLException when the server is unreachable, refuses the login or does not answer
   *     within {@code connectTimeout}; {@link SqlErrors#isConnectionFailure} tells the first and
   *     last apart from a wrong password (SQLState 28000)
   */
  /** The same server and account with other timeouts. */
  public DatabaseEndpoint withTimeouts(Duration connect, Duration socket) {
    return new DatabaseEndpoint(host, port, user, password, connect, socket);
  }

  public Connection open() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), properties());
  }

  @Override
  public String toString() {
    return "DatabaseEndpoint[" + user + "@" + host + ":" + port + ", connectTimeout="
        + connectTimeout.toMillis() + "ms, socketTimeout=" + socketTimeout.toMillis() + "ms, password=***]";
  }
}
