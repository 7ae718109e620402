package dev.deneb.fencing.dialect;

import com.mysql.cj.jdbc.JdbcStatement;
import dev.deneb.fencing.gtid.GtidFlavor;
import dev.deneb.fencing.gtid.GtidState;
import dev.deneb.fencing.gtid.MySqlGtidSet;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * MySQL 8.0.23 and later, 8.4 LTS (the first with both {@code SHOW REPLICA STATUS} column names and
 * {@code CHANGE REPLICATION SOURCE TO}).
 *
 * <p><b>Not run against a real server:</b> no MySQL server can run in Deneb's build environment, so
 * this class is checked only by parsing tests built from the 8.4 reference manual's column list and
 * by sharing {@link CommonDialect} with the MariaDB dialect, which is tested on real servers. The
 * statements follow the 8.4 manual. The Docker-backed suite of DESIGN §6 is where it gets run.
 * The same holds for semi-sync: plugin, variable and status names (8.0.26+ {@code source}/{@code
 * replica} spelling) are from the manual and checked only by {@code SemiSyncVariablesTest}.
 *
 * <p>Fencing uses {@code super_read_only}, which stops every account including {@code SUPER}
 * holders (only replication threads still write), and which implies {@code read_only}.
 */
public final class MySqlDialect extends CommonDialect {

  @Override
  public String name() {
    return "MySQL";
  }

  @Override
  public GtidFlavor gtidFlavor() {
    return GtidFlavor.MYSQL;
  }

  @Override
  public ReadOnlyLevel fenceLevel() {
    return ReadOnlyLevel.SUPER_READ_ONLY;
  }

  // ---- read-only ------------------------------------------------------------------------------

  @Override
  public ReadOnlyState readOnlyState(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT @@GLOBAL.read_only, @@GLOBAL.super_read_only")) {
      rs.next();
      return new ReadOnlyState(rs.getBoolean(1), rs.getBoolean(2));
    }
  }

  @Override
  public boolean trySetReadOnly(Connection c, Duration maxWait) throws SQLException {
    checkWait(maxWait, "maxWait");
    if (readOnlyState(c).superReadOnly()) {
      return true;
    }
    // lock_wait_timeout cannot go below 1 s on MySQL, so it is only the backstop; the driver-side
    // timeout (Connector/J sends KILL QUERY on a second connection) enforces maxWait.
    long previous = Jdbc.number(c, "SELECT @@SESSION.lock_wait_timeout");
    Jdbc.execute(c, "SET SESSION lock_wait_timeout = 1");
    try (Statement s = c.createStatement()) {
      setTimeout(s, maxWait);
      s.execute("SET GLOBAL super_read_only = 1");
      return true;
    } catch (SQLException e) {
      if (SqlErrors.isTimeout(e)) {
        return false;
      }
      throw e;
    } finally {
      Jdbc.execute(c, "SET SESSION lock_wait_timeout = " + previous);
    }
  }

  private static void setTimeout(Statement s, Duration maxWait) throws SQLException {
    if (s.isWrapperFor(JdbcStatement.class)) {
      s.unwrap(JdbcStatement.class).setTimeoutInMillis(maxWait.toMillis());
    } else {
      s.setQueryTimeout((int) Math.max(1, (maxWait.toMillis() + 999) / 1000));
    }
  }

  @Override
  public void setReadOnlyLevel(Connection c, ReadOnlyLevel level) throws SQLException {
    switch (level) {
      case WRITABLE -> {
        Jdbc.execute(c, "SET GLOBAL super_read_only = 0");
        Jdbc.execute(c, "SET GLOBAL read_only = 0");
      }
      case READ_ONLY -> {
        // Turning super_read_only off leaves read_only on; setting read_only covers a writable start.
        Jdbc.execute(c, "SET GLOBAL super_read_only = 0");
        Jdbc.execute(c, "SET GLOBAL read_only = 1");
      }
      case SUPER_READ_ONLY -> Jdbc.execute(c, "SET GLOBAL super_read_only = 1");
    }
  }

  @Override
  public List<ReadOnlyBypass> readOnlyBypassAccounts(Connection c) throws SQLException {
    // super_read_only stops these too; they matter only where read_only alone is set. MySQL's own
    // locked system accounts ('mysql.session' and friends) are left out.
    String sql = "SELECT DISTINCT GRANTEE, PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES"
        + " WHERE PRIVILEGE_TYPE IN ('SUPER', 'CONNECTION_ADMIN')"
        + " AND GRANTEE NOT LIKE '''mysql.%' ORDER BY GRANTEE, PRIVILEGE_TYPE";
    List<ReadOnlyBypass> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(new ReadOnlyBypass(rs.getString(1), rs.getString(2)));
      }
    }
    return out;
  }

  @Override
  String writableCondition() {
    return "@@GLOBAL.super_read_only = 0";
  }

  @Override
  String setFenceLevelStatement() {
    return "SET GLOBAL super_read_only = 1";
  }

  @Override
  int guardFirstLockWaitSeconds() {
    return 1; // MySQL's smallest lock_wait_timeout
  }

  // ---- semi-sync ------------------------------------------------------------------------------

  @Override
  SemiSyncVariables semiSyncVariables() {
    return SemiSyncVariables.MYSQL;
  }

  @Override
  void prepareSemiSync(Connection c, SemiSyncRole role) throws SQLException {
    Optional<String> install = pluginInstall(role, semiSyncPlugins(c));
    if (install.isEmpty()) {
      return;
    }
    try {
      Jdbc.execute(c, install.get());
    } catch (SQLException e) {
      // Another session may have installed it between the check and here; that is success.
      if (pluginInstall(role, semiSyncPlugins(c)).isPresent()) {
        throw e;
      }
    }
  }

  private static Map<String, String> semiSyncPlugins(Connection c) throws SQLException {
    Map<String, String> out = new HashMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT PLUGIN_NAME, PLUGIN_STATUS FROM information_schema.PLUGINS"
            + " WHERE PLUGIN_NAME LIKE " + SemiSyncVariables.LIKE)) {
      while (rs.next()) {
        out.put(rs.getString(1).toLowerCase(Locale.ROOT), rs.getString(2));
      }
    }
    return out;
  }

  /**
   * The pure half of {@link #prepareSemiSync}: the {@code INSTALL PLUGIN} statement {@code role}
   * needs, given {@code information_schema.PLUGINS} (lower-case name to status); empty when none.
   *
   * @throws IllegalStateException when the old-named plugin is installed (the two cannot coexist)
   *     or the plugin is installed but not ACTIVE
   */
  static Optional<String> pluginInstall(SemiSyncRole role, Map<String, String> plugins) {
    record Plugin(String name, String library, String old, String oldLibrary) {}
    Plugin p = switch (role) {
      case PRIMARY -> new Plugin("rpl_semi_sync_source", "semisync_source.so",
          "rpl_semi_sync_master", "semisync_master.so");
      case REPLICA -> new Plugin("rpl_semi_sync_replica", "semisync_replica.so",
          "rpl_semi_sync_slave", "semisync_slave.so");
      case OFF -> null;
    };
    if (p == null) {
      return Optional.empty(); // switching off needs no plugin: an absent one is off
    }
    String status = plugins.get(p.name());
    if (status != null) {
      if (!"ACTIVE".equalsIgnoreCase(status)) {
        throw new IllegalStateException("plugin " + p.name() + " is installed but " + status
            + "; enable it in the server configuration (remove any " + p.name() + "=OFF) and restart");
      }
      return Optional.empty();
    }
    if (plugins.containsKey(p.old())) {
      throw new IllegalStateException("the server has the old plugin " + p.old() + " (" + p.oldLibrary()
          + "), which cannot coexist with " + p.name() + " that Deneb uses on MySQL 8.0.26+: run"
          + " UNINSTALL PLUGIN " + p.old() + " and replace it by " + p.library()
          + " in plugin-load-add, if the configuration names it");
    }
    return Optional.of("INSTALL PLUGIN " + p.name() + " SONAME '" + p.library() + "'");
  }

  // ---- replication ----------------------------------------------------------------------------

  @Override
  public Optional<ReplicationStatus> replicationStatus(Connection c) throws SQLException {
    List<StatusRow> rows = Jdbc.rows(c, "SHOW REPLICA STATUS");
    return defaultChannel(rows).map(MySqlDialect::parseStatus);
  }

  /**
   * Deneb manages single-source replicas: the default channel (named '') is the one that counts;
   * a lone row of another name is accepted too, so a renamed channel is not mistaken for "no
   * replica".
   */
  static Optional<StatusRow> defaultChannel(List<StatusRow> rows) {
    if (rows.size() == 1) {
      return Optional.of(rows.get(0));
    }
    return rows.stream().filter(r -> r.text("Channel_Name").isEmpty()).findFirst();
  }

  /** The pure half of {@link #replicationStatus}: one {@code SHOW REPLICA STATUS} row. */
  static ReplicationStatus parseStatus(StatusRow row) {
    return new ReplicationStatus(
        IoThreadState.fromColumn("Replica_IO_Running", row.text("Replica_IO_Running")),
        row.yesNo("Replica_SQL_Running"),
        row.optionalLong("Seconds_Behind_Source"),
        row.text("Source_Host"),
        row.intValue("Source_Port"),
        MySqlGtidSet.parse(row.text("Retrieved_Gtid_Set")),
        MySqlGtidSet.parse(row.text("Executed_Gtid_Set")),
        row.intValue("Auto_Position") == 1,
        row.intValue("Last_IO_Errno"),
        row.text("Last_IO_Error"),
        row.intValue("Last_SQL_Errno"),
        row.text("Last_SQL_Error"));
  }

  @Override
  public GtidState executedGtids(Connection c) throws SQLException {
    return MySqlGtidSet.parse(Jdbc.string(c, "SELECT @@GLOBAL.gtid_executed"));
  }

  @Override
  public void stopReplication(Connection c) throws SQLException {
    // A warning, not an error, when already stopped or not a replica.
    Jdbc.execute(c, "STOP REPLICA");
  }

  @Override
  public void replicateFrom(Connection c, ReplicationSource source) throws SQLException {
    stopReplication(c);
    try (Statement s = c.createStatement()) {
      s.execute("CHANGE REPLICATION SOURCE TO"
          + " SOURCE_HOST = " + literal(s, source.host())
          + ", SOURCE_PORT = " + source.port()
          + ", SOURCE_USER = " + literal(s, source.user())
          + ", SOURCE_PASSWORD = " + literal(s, source.password())
          + ", SOURCE_AUTO_POSITION = 1"
          + ", SOURCE_SSL = " + (source.tls() ? 1 : 0)
          // caching_sha2_password (8.4's default) over a connection without TLS needs the key.
          + ", GET_SOURCE_PUBLIC_KEY = 1"
          + ", SOURCE_CONNECT_RETRY = " + source.connectRetry().toSeconds());
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
    if (!(position instanceof MySqlGtidSet set)) {
      throw new IllegalArgumentException("MySQL waits for a MySQL GTID set, got " + position.flavor());
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)")) {
      ps.setString(1, set.format());
      ps.setBigDecimal(2, new BigDecimal(seconds(timeout)));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) == 0; // 1: timed out
      }
    }
  }
}
