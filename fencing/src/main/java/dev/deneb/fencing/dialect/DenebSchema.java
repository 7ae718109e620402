package dev.deneb.fencing.dialect;

/**
 * Deneb's own objects in each managed database, shared by both dialects.
 *
 * <ul>
 *   <li>{@code deneb.lease} — local: one row, written with {@code sql_log_bin=0} so it never
 *       replicates and never creates a GTID (on MySQL a binlogged write on a replica would be an
 *       errant transaction). Times are UTC {@code DATETIME(6)} computed by the server itself, so the
 *       guard compares the row with the same clock that wrote it, whatever the session time zones.
 *   <li>{@code deneb.lease_guard} — local event (created with {@code sql_log_bin=0}; a replicated
 *       copy would arrive SLAVESIDE_DISABLED anyway).
 *   <li>{@code deneb.epoch_history} — replicated: created and written on the primary only, so every
 *       replica's copy shows which epochs its data has seen.
 *   <li>{@code deneb.semisync_nudge} — replicated, one row: created with the epoch history on the
 *       primary and rewritten by its agent to unstick commits whose acknowledgement was lost
 *       ({@link SqlDialect#nudgeSemiSync}).
 * </ul>
 */
final class DenebSchema {

  static final String DATABASE = "deneb";
  static final String LEASE_TABLE = "deneb.lease";
  static final String GUARD_EVENT = "deneb.lease_guard";
  static final String EPOCH_TABLE = "deneb.epoch_history";

  static final String CREATE_DATABASE = "CREATE DATABASE IF NOT EXISTS deneb";

  static final String CREATE_LEASE_TABLE =
      "CREATE TABLE IF NOT EXISTS deneb.lease ("
          + " id TINYINT UNSIGNED NOT NULL PRIMARY KEY,"
          + " epoch BIGINT UNSIGNED NOT NULL,"
          + " node VARCHAR(255) NOT NULL,"
          + " expires_at_utc DATETIME(6) NOT NULL"
          + ") ENGINE=InnoDB COMMENT='Deneb local lease row: never replicated (sql_log_bin=0)'";

  static final String CREATE_EPOCH_TABLE =
      "CREATE TABLE IF NOT EXISTS deneb.epoch_history ("
          + " epoch BIGINT UNSIGNED NOT NULL PRIMARY KEY,"
          + " primary_node VARCHAR(255) NOT NULL,"
          + " gtid TEXT NOT NULL,"
          + " recorded_at_utc DATETIME(6) NOT NULL"
          + ") ENGINE=InnoDB COMMENT='Deneb epochs: first transaction of each epoch, replicated'";

  static final String CREATE_NUDGE_TABLE =
      "CREATE TABLE IF NOT EXISTS deneb.semisync_nudge ("
          + " id TINYINT UNSIGNED NOT NULL PRIMARY KEY,"
          + " nudged_at_utc DATETIME(6) NOT NULL"
          + ") ENGINE=InnoDB COMMENT='Deneb: a replicated write whose acknowledgement covers earlier commits'";

  /**
   * Writes only while the server is writable and before the deadline (epoch seconds, compared with
   * {@code @@timestamp}, the statement's start, as the semi-sync release is): the agent's account
   * bypasses read-only, and a nudge that reached a fenced or replaced primary must not leave a
   * transaction there.
   */
  static final String NUDGE = "REPLACE INTO deneb.semisync_nudge (id, nudged_at_utc)"
      + " SELECT 1, UTC_TIMESTAMP(6) FROM DUAL WHERE @@GLOBAL.read_only = 0 AND @@timestamp < ?";

  /** REPLACE, not INSERT ... ON DUPLICATE KEY UPDATE VALUES(): the latter is deprecated on MySQL 8. */
  static final String WRITE_LEASE =
      "REPLACE INTO deneb.lease (id, epoch, node, expires_at_utc)"
          + " VALUES (1, ?, ?, UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND)";

  static final String READ_LEASE =
      "SELECT epoch, node, expires_at_utc,"
          + " TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), expires_at_utc) AS remaining_us"
          + " FROM deneb.lease WHERE id = 1";

  static final String INSERT_EPOCH =
      "INSERT INTO deneb.epoch_history (epoch, primary_node, gtid, recorded_at_utc)"
          + " VALUES (?, ?, ?, ?)";

  static final String READ_EPOCHS =
      "SELECT epoch, primary_node, gtid, recorded_at_utc FROM deneb.epoch_history ORDER BY epoch";

  static final String GUARD_PRESENT =
      "SELECT STATUS FROM information_schema.EVENTS"
          + " WHERE EVENT_SCHEMA = 'deneb' AND EVENT_NAME = 'lease_guard'";

  static final String LEASE_TABLE_PRESENT =
      "SELECT COUNT(*) FROM information_schema.TABLES"
          + " WHERE TABLE_SCHEMA = 'deneb' AND TABLE_NAME = 'lease'";

  /**
   * The SELECT the guard event uses to find client sessions: the same rule as
   * {@link SessionInfo#isClientSession}, without exempt users (when the guard fires, the agent has
   * lost its lease or died, so its own sessions are no exception).
   */
  static final String GUARD_VICTIMS =
      "SELECT ID FROM information_schema.PROCESSLIST"
          + " WHERE USER NOT IN ('system user', 'event_scheduler')"
          + " AND COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Slave_IO',"
          + " 'Slave_SQL', 'Slave_worker', 'Register Slave', 'Killed')"
          + " AND ID <> CONNECTION_ID()";

  /** True when no unexpired lease row exists. */
  static final String LEASE_LAPSED =
      "NOT EXISTS (SELECT 1 FROM deneb.lease WHERE id = 1 AND expires_at_utc > UTC_TIMESTAMP(6))";

  /**
   * The guard event: every second, if the server is writable and the lease row has lapsed, set
   * read-only, kill client sessions (which releases whatever blocked read-only and aborts open
   * transactions), and set read-only again if the first try was blocked. Once read-only, each run
   * is a no-op.
   *
   * <p>Each read-only try is bounded by {@code lock_wait_timeout} and error 1205 is caught, so a
   * {@code LOCK TABLES} holder cannot stall the event. {@code max_statement_time} cannot do that
   * here: MariaDB 11.4 ignores {@code SET STATEMENT max_statement_time=... FOR} inside an event,
   * and the event (and with it the scheduler) then waits behind the lock indefinitely.
   *
   * @param writable SQL condition that is true while the server accepts client writes
   * @param setReadOnly the statement that fences
   * @param firstLockWait lock_wait_timeout in seconds for the first try (MariaDB allows 0: fail
   *     at once; MySQL's minimum is 1)
   */
  static String guardEvent(String writable, String setReadOnly, int firstLockWait) {
    String tryReadOnly = "BEGIN DECLARE CONTINUE HANDLER FOR " + SqlErrors.LOCK_WAIT_TIMEOUT
        + " BEGIN END; " + setReadOnly + "; END;";
    return "CREATE EVENT deneb.lease_guard ON SCHEDULE EVERY 1 SECOND"
        + " COMMENT 'Deneb: read-only once deneb.lease expires (DESIGN 3.2 step 5)'"
        + " DO BEGIN"
        + "  DECLARE done INT DEFAULT 0;"
        + "  DECLARE victim BIGINT UNSIGNED;"
        + "  DECLARE victims CURSOR FOR " + GUARD_VICTIMS + ";"
        + "  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;"
        + "  IF " + writable + " AND " + LEASE_LAPSED + " THEN"
        + "   SET SESSION lock_wait_timeout = " + firstLockWait + ";"
        + "   " + tryReadOnly
        + "   OPEN victims;"
        + "   kill_loop: LOOP"
        + "    FETCH victims INTO victim;"
        + "    IF done THEN LEAVE kill_loop; END IF;"
        // 1094: the session ended between the SELECT and the KILL.
        + "    BEGIN DECLARE CONTINUE HANDLER FOR " + SqlErrors.NO_SUCH_THREAD + " BEGIN END;"
        + " KILL CONNECTION victim; END;"
        + "   END LOOP;"
        + "   CLOSE victims;"
        + "   IF " + writable + " THEN"
        + "    SET SESSION lock_wait_timeout = 1;"
        + "    " + tryReadOnly
        + "   END IF;"
        + "  END IF;"
        + " END";
  }

  private DenebSchema() {}
}
