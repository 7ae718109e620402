package dev.deneb.fencing.dialect;

import dev.deneb.fencing.gtid.GtidState;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL both flavours share: process list and KILL, semi-sync settings, the lease row, the
 * guard's installation, the epoch history. Subclasses supply what differs (read-only variables, replication statements, GTID
 * functions and the guard event's read-only statement).
 */
abstract sealed class CommonDialect implements SqlDialect permits MariaDbDialect, MySqlDialect {

  private static final Logger log = LoggerFactory.getLogger(CommonDialect.class);

  /** MySQL and MariaDB: duplicate key. */
  private static final int DUPLICATE_KEY = 1062;
  /** Table does not exist. */
  private static final int NO_SUCH_TABLE = 1146;
  private static final DateTimeFormatter DATETIME_6 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

  /** Longest node id the tables hold. */
  private static final int MAX_NODE_ID = 255;

  /** SQL condition that is true while clients may write (guard event). */
  abstract String writableCondition();

  /** The statement that sets {@link #fenceLevel()} (guard event). */
  abstract String setFenceLevelStatement();

  /** The guard's first read-only try waits this many seconds for blockers. */
  abstract int guardFirstLockWaitSeconds();

  /** This flavour's semi-sync variable names. */
  abstract SemiSyncVariables semiSyncVariables();

  /** Makes the variables {@code role} needs exist. MariaDB has them built in; MySQL installs a plugin. */
  void prepareSemiSync(Connection c, SemiSyncRole role) throws SQLException {}

  // ---- sessions -------------------------------------------------------------------------------

  @Override
  public List<SessionInfo> sessions(Connection c) throws SQLException {
    List<SessionInfo> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT ID, USER, HOST, DB, COMMAND, TIME, STATE FROM information_schema.PROCESSLIST")) {
      while (rs.next()) {
        out.add(new SessionInfo(
            rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
            rs.getLong(6), rs.getString(7)));
      }
    }
    return out;
  }

  @Override
  public List<SessionInfo> killClientSessions(Connection c, Set<String> exemptUsers)
      throws SQLException {
    long own = Jdbc.number(c, "SELECT CONNECTION_ID()");
    List<SessionInfo> killed = new ArrayList<>();
    for (SessionInfo s : sessions(c)) {
      if (!s.isClientSession(own, exemptUsers)) {
        continue;
      }
      try {
        Jdbc.execute(c, "KILL CONNECTION " + s.id());
        killed.add(s);
      } catch (SQLException e) {
        if (e.getErrorCode() != SqlErrors.NO_SUCH_THREAD) {
          throw e;
        }
        // It ended between the process list and the KILL: nothing left to stop.
      }
    }
    return killed;
  }

  // ---- replication ----------------------------------------------------------------------------

  @Override
  public void stopReceiving(Connection c) throws SQLException {
    // A semi-sync receiver that stops first opens a new connection to its source to KILL its dump
    // thread. A frozen source accepts the TCP connection and never answers, so the STOP waits out
    // that connection's timeout: MariaDB's rpl_semi_sync_slave_kill_conn_timeout, 5 s by default,
    // which delayed every failover from a frozen primary by 5 s. One second bounds it (the
    // variable is in whole seconds; 0 is not relied on, as the client library may read it as "none").
    String kill = semiSyncVariables().killConnectionTimeout();
    Map<String, String> variables = showGlobal(c, "VARIABLES");
    if (!kill.isEmpty() && variables.containsKey(kill) && !variables.get(kill).equals(KILL_CONNECTION_TIMEOUT_SECONDS)) {
      Jdbc.execute(c, "SET GLOBAL " + kill + " = " + KILL_CONNECTION_TIMEOUT_SECONDS);
    }
    // Both flavours accept this syntax (MariaDB 10.5.1+, MySQL 8.0.22+) and answer a server that
    // is no replica, or whose receiver is stopped, with a note rather than an error.
    Jdbc.execute(c, "STOP REPLICA IO_THREAD");
  }

  private static final String KILL_CONNECTION_TIMEOUT_SECONDS = "1";

  // ---- semi-sync ----------------------------------------------------------------------------

  @Override
  public void configureSemiSync(Connection c, SemiSyncRole role, Duration timeout)
      throws SQLException {
    Objects.requireNonNull(role, "role");
    SemiSyncVariables.checkTimeout(timeout);
    prepareSemiSync(c, role);
    for (String sql : semiSyncVariables().statements(role, timeout, showGlobal(c, "VARIABLES"))) {
      Jdbc.execute(c, sql);
    }
    // The receiver thread reads the replica-side switch when it starts, so a running one keeps
    // acknowledging (or not) as before until restarted. Restarting only when its state differs
    // keeps a repeated call from disturbing a replica that already acknowledges.
    boolean wantAcks = role == SemiSyncRole.REPLICA;
    Optional<ReplicationStatus> replication = replicationStatus(c);
    if (replication.isPresent() && replication.get().ioThread() != IoThreadState.STOPPED
        && semiSyncStatus(c).replicaActive() != wantAcks) {
      log.info("restarting the replication IO thread so that semi-sync role {} takes effect", role);
      Jdbc.execute(c, "STOP REPLICA IO_THREAD");
      Jdbc.execute(c, "START REPLICA IO_THREAD");
    }
  }

  @Override
  public boolean nudgeSemiSync(Connection c, java.time.Instant notAfter) throws SQLException {
    Objects.requireNonNull(notAfter, "notAfter");
    java.math.BigDecimal seconds = java.math.BigDecimal.valueOf(notAfter.getEpochSecond())
        .add(java.math.BigDecimal.valueOf(notAfter.getNano() / 1_000, 6));
    try (java.sql.PreparedStatement s = c.prepareStatement(DenebSchema.NUDGE)) {
      s.setBigDecimal(1, seconds);
      return s.executeUpdate() > 0;
    }
  }

  @Override
  public boolean releaseSemiSyncWaits(Connection c, java.time.Instant notAfter) throws SQLException {
    Objects.requireNonNull(notAfter, "notAfter");
    Jdbc.execute(c, semiSyncVariables().releaseStatement(notAfter.toEpochMilli()));
    return !semiSyncStatus(c).primaryEnabled();
  }

  @Override
  public SemiSyncStatus semiSyncStatus(Connection c) throws SQLException {
    return semiSyncVariables().parse(showGlobal(c, "VARIABLES"), showGlobal(c, "STATUS"));
  }

  /** {@code SHOW GLOBAL VARIABLES|STATUS} of the semi-sync names, lower-case name to value. */
  private static Map<String, String> showGlobal(Connection c, String what) throws SQLException {
    Map<String, String> out = new HashMap<>();
    for (StatusRow row : Jdbc.rows(c, "SHOW GLOBAL " + what + " LIKE " + SemiSyncVariables.LIKE)) {
      out.put(row.text("Variable_name").toLowerCase(Locale.ROOT), row.text("Value"));
    }
    return out;
  }

  // ---- guard ----------------------------------------------------------------------------------

  @Override
  public void installLeaseTable(Connection c) throws SQLException {
    Jdbc.withoutBinlog(c, () -> {
      Jdbc.execute(c, DenebSchema.CREATE_DATABASE);
      Jdbc.execute(c, DenebSchema.CREATE_LEASE_TABLE);
      return null;
    });
  }

  @Override
  public void installGuard(Connection c) throws SQLException {
    installLeaseTable(c);
    Jdbc.withoutBinlog(c, () -> {
      // DROP + CREATE rather than CREATE OR REPLACE, which MySQL lacks; this also upgrades an
      // event left by an older Deneb.
      Jdbc.execute(c, "DROP EVENT IF EXISTS " + DenebSchema.GUARD_EVENT);
      Jdbc.execute(c, DenebSchema.guardEvent(
          writableCondition(), setFenceLevelStatement(), guardFirstLockWaitSeconds()));
      return null;
    });
    String scheduler = Jdbc.string(c, "SELECT @@GLOBAL.event_scheduler");
    if ("OFF".equalsIgnoreCase(scheduler)) {
      Jdbc.execute(c, "SET GLOBAL event_scheduler = ON");
      log.warn("event_scheduler was OFF; switched it ON for the lease guard. Set event_scheduler=ON"
          + " in the server configuration so that a restart keeps it");
    }
  }

  @Override
  public GuardStatus guardStatus(Connection c) throws SQLException {
    String scheduler = Jdbc.string(c, "SELECT @@GLOBAL.event_scheduler");
    boolean table = Jdbc.number(c, DenebSchema.LEASE_TABLE_PRESENT) > 0;
    Optional<StatusRow> event = Jdbc.optionalRow(c, DenebSchema.GUARD_PRESENT);
    return new GuardStatus(
        scheduler,
        table,
        event.isPresent(),
        event.map(r -> "ENABLED".equals(r.text("STATUS"))).orElse(false));
  }

  @Override
  public void writeLease(Connection c, long epoch, String node, Duration validFor)
      throws SQLException {
    checkNode(node);
    long micros = Math.max(0, validFor.toNanos() / 1_000);
    Jdbc.withoutBinlog(c, () -> {
      try (PreparedStatement ps = c.prepareStatement(DenebSchema.WRITE_LEASE)) {
        ps.setLong(1, epoch);
        ps.setString(2, node);
        ps.setLong(3, micros);
        ps.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public Optional<LeaseRow> readLease(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(DenebSchema.READ_LEASE)) {
      if (!rs.next()) {
        return Optional.empty();
      }
      return Optional.of(new LeaseRow(
          rs.getLong("epoch"),
          rs.getString("node"),
          rs.getObject("expires_at_utc", LocalDateTime.class),
          Duration.of(rs.getLong("remaining_us"), ChronoUnit.MICROS)));
    } catch (SQLException e) {
      if (e.getErrorCode() == NO_SUCH_TABLE) {
        return Optional.empty();
      }
      throw e;
    }
  }

  // ---- epoch history --------------------------------------------------------------------------

  @Override
  public void installEpochHistory(Connection c) throws SQLException {
    Jdbc.execute(c, DenebSchema.CREATE_DATABASE);
    Jdbc.execute(c, DenebSchema.CREATE_EPOCH_TABLE);
    Jdbc.execute(c, DenebSchema.CREATE_NUDGE_TABLE);
  }

  @Override
  public void recordEpoch(Connection c, EpochRecord epoch) throws SQLException {
    checkNode(epoch.primaryNode());
    if (epoch.gtid().flavor() != gtidFlavor()) {
      throw new IllegalArgumentException(
          name() + " records " + gtidFlavor() + " GTIDs, got " + epoch.gtid().flavor());
    }
    // Plain INSERT, not INSERT IGNORE: IGNORE would also turn a truncated value into a warning.
    try (PreparedStatement ps = c.prepareStatement(DenebSchema.INSERT_EPOCH)) {
      ps.setLong(1, epoch.epoch());
      ps.setString(2, epoch.primaryNode());
      ps.setString(3, epoch.gtid().format());
      // As text, not setObject(LocalDateTime): Connector/J 9.7 takes MariaDB 10.x for MySQL 5.5.5
      // (its handshake version prefix) and silently drops fractional seconds from temporal
      // parameters (seen on 10.11.19); the server parses the text exactly on every version.
      ps.setString(4, DATETIME_6.format(LocalDateTime.ofInstant(epoch.recordedAt(), ZoneOffset.UTC)));
      ps.executeUpdate();
    } catch (SQLException e) {
      if (e.getErrorCode() != DUPLICATE_KEY) {
        throw e;
      }
      EpochRecord existing = epochHistory(c).stream()
          .filter(r -> r.epoch() == epoch.epoch())
          .findFirst()
          .orElseThrow(() -> e);
      if (!existing.primaryNode().equals(epoch.primaryNode())) {
        throw new IllegalStateException("epoch " + epoch.epoch() + " is already recorded for node "
            + existing.primaryNode() + ", refusing to record it for " + epoch.primaryNode()
            + ": two primaries for one epoch");
      }
      // Same epoch, same node: a retried promotion step. Nothing to do.
    }
  }

  @Override
  public List<EpochRecord> epochHistory(Connection c) throws SQLException {
    List<EpochRecord> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(DenebSchema.READ_EPOCHS)) {
      while (rs.next()) {
        out.add(new EpochRecord(
            rs.getLong(1),
            rs.getString(2),
            GtidState.parse(gtidFlavor(), rs.getString(3)),
            rs.getObject(4, LocalDateTime.class).toInstant(ZoneOffset.UTC)));
      }
    } catch (SQLException e) {
      if (e.getErrorCode() == NO_SUCH_TABLE) {
        return List.of();
      }
      throw e;
    }
    return out;
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Seconds with millisecond precision, as the servers' timeout arguments take them. */
  static String seconds(Duration d) {
    return BigDecimal.valueOf(d.toMillis(), 3).toPlainString();
  }

  /** A string literal for statements that take no placeholders (CHANGE MASTER/SOURCE TO). */
  static String literal(Statement s, String value) throws SQLException {
    // Connector/J's enquoteLiteral escapes according to the session's sql_mode
    // (NO_BACKSLASH_ESCAPES or not), so passwords with quotes or backslashes survive.
    return s.enquoteLiteral(value);
  }

  static void checkWait(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.toMillis() < 1) {
      throw new IllegalArgumentException(what + " must be at least 1 ms, got " + d);
    }
  }

  private static void checkNode(String node) {
    Objects.requireNonNull(node, "node");
    if (node.isBlank() || node.length() > MAX_NODE_ID) {
      throw new IllegalArgumentException("node id must be 1.." + MAX_NODE_ID + " characters, got '" + node + "'");
    }
  }
}
