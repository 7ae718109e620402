package dev.deneb.fencing.dialect;

import dev.deneb.fencing.gtid.GtidFlavor;
import dev.deneb.fencing.gtid.GtidState;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Everything Deneb says to a database server, for one server flavour. The dialect layer is the only
 * place that knows SQL (DESIGN §5): the agent, the controller and the sandbox call these methods and
 * never write SQL of their own.
 *
 * <h2>Contract common to every method</h2>
 *
 * <ul>
 *   <li><b>Connections.</b> Each method runs on the {@link Connection} it is given, in autocommit
 *       mode, and opens none of its own (MySQL's bounded read-only attempt lets Connector/J open a
 *       short-lived cancel connection with the same properties, so the same timeouts). Open the
 *       connection through {@link DatabaseEndpoint}, which always sets {@code connectTimeout} and
 *       {@code socketTimeout}. Methods leave the session as they found it (for example
 *       {@code sql_log_bin}), also when they fail.
 *   <li><b>Unreachable server.</b> When the server cannot be reached or stops answering within the
 *       connection's {@code socketTimeout} — including a SIGSTOPped server that accepts TCP and
 *       never replies — every method throws {@link SQLException} with an SQLState of class
 *       {@code 08}; {@link SqlErrors#isConnectionFailure} recognises it. The connection is then
 *       unusable: open a new one. No method retries on its own or waits longer than its documented
 *       bound plus the socket timeout.
 *   <li><b>Other server errors</b> (missing privilege, bad state) are thrown as the server's
 *       {@link SQLException}, whose message names the problem.
 *   <li><b>Idempotence.</b> Every mutating method can be repeated with the same arguments: a
 *       directive retried after a lost acknowledgement must not fail or do harm.
 * </ul>
 *
 * <h2>Privileges of the agent's account</h2>
 *
 * MariaDB: {@code SUPER}, {@code READ_ONLY ADMIN} (to write the lease and epoch rows before read-only
 * is lifted), {@code CONNECTION ADMIN} (kill), {@code PROCESS}, {@code BINLOG ADMIN} (sql_log_bin),
 * {@code REPLICATION SLAVE ADMIN}, {@code REPLICATION MASTER ADMIN} (semi-sync's primary side),
 * {@code REPLICA MONITOR}, {@code EVENT}, {@code RELOAD} (RESET REPLICA ALL when a replica is promoted), and {@code SELECT, INSERT, DELETE, CREATE, DROP} on
 * {@code deneb.*} plus {@code SELECT} on {@code mysql.*} (to see all accounts' privileges). MySQL:
 * {@code SYSTEM_VARIABLES_ADMIN}, {@code CONNECTION_ADMIN}, {@code PROCESS},
 * {@code REPLICATION_SLAVE_ADMIN}, {@code REPLICATION CLIENT}, {@code EVENT}, the same on
 * {@code deneb.*}, and {@code INSERT} on {@code mysql.plugin} (to install the semi-sync plugins). The application's accounts must have none of the read-only bypasses;
 * see {@link #readOnlyBypassAccounts}.
 */
public interface SqlDialect {

  /** "MariaDB" or "MySQL", for logs. */
  String name();

  /** How this server writes GTIDs. */
  GtidFlavor gtidFlavor();

  /**
   * The strongest read-only level the server offers: {@link ReadOnlyLevel#SUPER_READ_ONLY} on
   * MySQL, {@link ReadOnlyLevel#READ_ONLY} on MariaDB (which has no super_read_only). A server is
   * fenced when its {@link #readOnlyState} is at least this level.
   */
  ReadOnlyLevel fenceLevel();

  // ---- read-only ------------------------------------------------------------------------------

  /** Reads the global read-only switches. Read-only; never blocks on locks. */
  ReadOnlyState readOnlyState(Connection c) throws SQLException;

  /**
   * Tries once to put the server at {@link #fenceLevel()}, giving up after about {@code maxWait}.
   *
   * <p>{@code SET GLOBAL read_only=1} (and {@code super_read_only}) must wait for statements that
   * are writing and for {@code LOCK TABLES ... WRITE} holders; an idle open transaction does not
   * block it. So this method bounds the wait — MariaDB with {@code SET STATEMENT
   * max_statement_time=...}, MySQL with a driver-side statement timeout on top of the minimum
   * {@code lock_wait_timeout} of 1 s — and reports "not yet" instead of hanging. The caller (see
   * {@code ReadOnlyFence}) then kills client sessions and tries again.
   *
   * @param maxWait how long to wait for blockers, at least 1 ms; sub-second values are honoured
   * @return true when the level is now set (already set counts), false when blockers held it off
   *     for {@code maxWait}
   * @throws SQLException when unreachable, or for errors other than the wait running out
   */
  boolean trySetReadOnly(Connection c, Duration maxWait) throws SQLException;

  /**
   * Sets a level, waiting at most the session's {@code lock_wait_timeout} for blockers. Used to
   * lift read-only on promotion ({@link ReadOnlyLevel#WRITABLE}) and, on MySQL, to go from
   * super_read_only to read_only so that the agent's privileged account may write the epoch and
   * lease rows before clients may.
   *
   * <p><b>Ordering:</b> before lifting to {@code WRITABLE}, write a fresh lease row
   * ({@link #writeLease}); otherwise the guard event sees no lease and sets read-only again within
   * a second.
   *
   * @throws IllegalArgumentException for {@link ReadOnlyLevel#SUPER_READ_ONLY} on MariaDB
   */
  void setReadOnlyLevel(Connection c, ReadOnlyLevel level) throws SQLException;

  /**
   * Accounts whose writes {@code read_only} does not stop. On MariaDB 10.11+ that is everyone with
   * {@code READ_ONLY ADMIN}, which {@code ALL PRIVILEGES ON *.*} includes (plain {@code SUPER} no
   * longer does). On MySQL, {@code super_read_only} stops every account, so fencing needs no such
   * check; this returns the accounts with {@code CONNECTION_ADMIN} or {@code SUPER}, which would
   * write if only {@code read_only} were set. The agent warns at start for each account that is
   * an application's. Needs {@code SELECT} on {@code mysql.*} to see other accounts.
   */
  List<ReadOnlyBypass> readOnlyBypassAccounts(Connection c) throws SQLException;

  // ---- sessions -------------------------------------------------------------------------------

  /** The server's process list, including server threads. */
  List<SessionInfo> sessions(Connection c) throws SQLException;

  /**
   * Kills every client connection except the caller's own, server and replication threads (see
   * {@link SessionInfo#isClientSession}) and sessions of {@code exemptUsers}. A killed session's
   * open transaction rolls back and its {@code LOCK TABLES} locks are released. Sessions that end
   * by themselves meanwhile are skipped silently.
   *
   * @return the sessions a KILL was sent to
   */
  List<SessionInfo> killClientSessions(Connection c, Set<String> exemptUsers) throws SQLException;

  // ---- replication ----------------------------------------------------------------------------

  /**
   * Parses {@code SHOW REPLICA STATUS} (plus, on MariaDB, {@code @@gtid_current_pos}). Read-only.
   *
   * @return empty when the server is not configured as a replica
   * @throws IllegalArgumentException when the server's output lacks a column or has a value this
   *     code does not understand (never guesses a healthy state)
   */
  Optional<ReplicationStatus> replicationStatus(Connection c) throws SQLException;

  /**
   * What this server has executed, including its own writes: MariaDB {@code @@gtid_current_pos},
   * MySQL {@code @@GLOBAL.gtid_executed}. The position a switchover waits for and the input to
   * rejoin and quarantine checks.
   */
  GtidState executedGtids(Connection c) throws SQLException;

  /**
   * Stops only the receiver ({@code STOP REPLICA IO_THREAD}): nothing more arrives from the source,
   * and this server acknowledges nothing more to it under semi-sync, while the applier goes on
   * applying what the relay log holds. A stopping semi-sync receiver first connects to its source
   * to kill its dump thread; against a SIGSTOPped source that takes the connection's timeout, which
   * MariaDB bounds here to 1 s ({@code rpl_semi_sync_slave_kill_conn_timeout}, left at 1). MySQL has
   * no such setting (not measured here). The source stays configured; {@link #replicateFrom}
   * attaches the node again. A no-op when the receiver is stopped or the server is no replica.
   */
  void stopReceiving(Connection c) throws SQLException;

  /** Stops both replication threads. A no-op when they are stopped or the server is no replica. */
  void stopReplication(Connection c) throws SQLException;

  /**
   * Points this server at a new source with GTID positioning and starts replication: stop, then
   * MariaDB {@code CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos} (after copying
   * {@code @@gtid_current_pos} into {@code @@gtid_slave_pos}, so a former primary resumes after its
   * own last transaction), MySQL {@code CHANGE REPLICATION SOURCE TO ... SOURCE_AUTO_POSITION=1}.
   * Returns once replication is started, not once it is connected: poll {@link #replicationStatus}.
   * The caller must have established that this server's executed GTIDs are contained in the
   * source's (DESIGN §3.6); otherwise replication stops with an error that names the gap.
   */
  void replicateFrom(Connection c, ReplicationSource source) throws SQLException;

  /**
   * Stops replication and forgets the source ({@code RESET REPLICA ALL}), as a promoted primary
   * must, so that a restart does not resume replicating from the old primary.
   */
  void resetReplication(Connection c) throws SQLException;

  /**
   * Waits until this server has executed {@code position}: MariaDB {@code MASTER_GTID_WAIT} (which
   * watches {@code @@gtid_slave_pos}, i.e. what replication applied), MySQL
   * {@code WAIT_FOR_EXECUTED_GTID_SET}. Blocks on the server for up to {@code timeout}, so the
   * connection's socketTimeout must be longer.
   *
   * @return true when executed, false when {@code timeout} ran out first
   * @throws IllegalArgumentException when {@code position} is of the other flavour
   */
  boolean waitForExecuted(Connection c, GtidState position, Duration timeout) throws SQLException;

  // ---- semi-sync durability -------------------------------------------------------------------

  /**
   * Gives this server its side of semi-synchronous replication (the {@code semi-sync} durability,
   * DESIGN §2 S4). Settings are global and not persisted: a restarted server comes back with its
   * configuration file's, so the agent applies the role again whenever it takes or resumes one.
   *
   * <ul>
   *   <li>{@link SemiSyncRole#PRIMARY}: primary side on with wait point {@code AFTER_SYNC} (a
   *       commit is visible to no one, on this server either, before a replica has acknowledged
   *       it or the timeout ran out) and the given timeout; replica side off.
   *   <li>{@link SemiSyncRole#REPLICA}: replica side on, primary side off.
   *   <li>{@link SemiSyncRole#OFF}: both off (a side MySQL has no plugin for is off already).
   * </ul>
   *
   * <p><b>Restarts the replication IO thread</b> (only that thread: {@code STOP REPLICA
   * IO_THREAD; START REPLICA IO_THREAD}) when it is running or connecting and does not yet
   * acknowledge as the role wants, because the receiver reads the replica-side switch when it
   * starts. A replica that already acknowledges is not restarted, so repeating the call is quiet.
   * The applier (SQL thread) is never touched.
   *
   * <p><b>Fallback.</b> When no replica acknowledges within {@code timeout}, the primary commits
   * anyway and falls back to asynchronous replication until a replica catches up;
   * {@link #semiSyncStatus} shows it ({@code primaryActive} false, {@code asyncTransactions}
   * growing). Transactions committed meanwhile can be lost by a failover. The server measures the
   * timeout from the commit's start on its wall clock, so a server frozen (SIGSTOP, a VM pause)
   * longer than the timeout releases its waiting commits the moment it resumes: the agent gives
   * {@link #SEMI_SYNC_NEVER_FALL_BACK} and falls back itself, with
   * {@link #releaseSemiSyncWaits}, only while it holds the lease. The primary role also sets the
   * wait-without-replica switch on, so a primary whose replicas detached keeps its commits waiting.
   *
   * <p>MySQL (8.0.26+) first installs the plugin the role needs ({@code rpl_semi_sync_source} /
   * {@code rpl_semi_sync_replica}) when {@code information_schema.PLUGINS} lacks it, which needs
   * {@code INSERT} on {@code mysql.plugin}; it refuses, naming the fix, when the old
   * {@code rpl_semi_sync_master}/{@code _slave} plugin is installed instead. MariaDB (10.3+) has
   * semi-sync built in and needs {@code REPLICATION MASTER ADMIN} (primary-side variables) and
   * {@code REPLICATION SLAVE ADMIN} (replica side and the IO thread restart).
   *
   * @param timeout how long a commit waits for an acknowledgement; 1 ms to 2<sup>32</sup>-1 ms,
   *     whole milliseconds; checked for every role, used by {@code PRIMARY} only
   * @throws IllegalStateException on MySQL, when the old plugin is installed or the needed one
   *     cannot be made active
   */
  void configureSemiSync(Connection c, SemiSyncRole role, Duration timeout) throws SQLException;

  /**
   * The largest semi-sync timeout both servers take (2<sup>32</sup>-1 ms, about 49.7 days): in
   * effect, a primary that never falls back to asynchronous replication on its own
   * (docs/durability.md, "The fallback to async").
   */
  Duration SEMI_SYNC_NEVER_FALL_BACK = Duration.ofMillis(4_294_967_295L);

  /** The server's semi-sync settings, state and acknowledgement counters. Read-only. */
  SemiSyncStatus semiSyncStatus(Connection c) throws SQLException;

  /**
   * Switches the primary side off, letting every commit that waits for an acknowledgement return
   * as committed, if and only if the server executes the statement before {@code notAfter} by its
   * own wall clock (the agent runs beside its server: one clock). A release that arrives late —
   * sent by an agent that froze after deciding, or read by a server that froze before executing —
   * changes nothing. {@link #configureSemiSync} with {@link SemiSyncRole#PRIMARY} switches it back
   * on. Needs the primary-side privilege of {@link #configureSemiSync}.
   *
   * @return whether the primary side is off afterwards (false: the deadline had passed)
   */
  boolean releaseSemiSyncWaits(Connection c, java.time.Instant notAfter) throws SQLException;

  // ---- lease row and guard --------------------------------------------------------------------

  /**
   * Creates the {@code deneb} database and the local {@code deneb.lease} table with
   * {@code sql_log_bin=0}, so that {@link #writeLease} works. Idempotent.
   */
  void installLeaseTable(Connection c) throws SQLException;

  /**
   * Installs (or replaces) the {@code deneb.lease_guard} event, with {@code sql_log_bin=0}, after
   * {@link #installLeaseTable}. Every second the event sets read-only — and kills client sessions
   * when something blocks that — if the server is writable and the lease row has expired or is
   * missing (DESIGN §3.2 step 5). Also switches {@code event_scheduler} ON when it is OFF; when it
   * is DISABLED (set at server start) the guard cannot run — {@link #guardStatus} says so, and the
   * fix is {@code event_scheduler=ON} in the server configuration, which is where it belongs anyway
   * so that restarts keep it.
   *
   * <p><b>Ordering:</b> on a server that is writable now, write a valid lease row before
   * installing the guard; otherwise the guard fences the server within a second. That is the guard
   * doing its job: a writable server without a lease is what it exists to stop.
   *
   * <p>The event runs as its definer (the calling account), so that account needs the privileges
   * to set read-only and kill sessions. An operator can pause it with
   * {@code ALTER EVENT deneb.lease_guard DISABLE}.
   */
  void installGuard(Connection c) throws SQLException;

  /** Whether the guard can fire: scheduler ON, table and enabled event present. Read-only. */
  GuardStatus guardStatus(Connection c) throws SQLException;

  /**
   * Writes the local lease row with {@code sql_log_bin=0}: expiry = the database server's UTC clock
   * + {@code validFor}. Pass the time the agent's own lease has left, so that the guard fires at the
   * latest when the lease ends plus its one-second schedule. Writing a zero duration expires the
   * row (and arms the guard) at once. Needs a read-only bypass privilege while the server is
   * read-only (MySQL: not super_read_only).
   */
  void writeLease(Connection c, long epoch, String node, Duration validFor) throws SQLException;

  /** The lease row, with its remaining time on the server's clock; empty when none was written. */
  Optional<LeaseRow> readLease(Connection c) throws SQLException;

  // ---- epoch history --------------------------------------------------------------------------

  /**
   * Creates the replicated {@code deneb.epoch_history} table (and the {@code deneb} database) if
   * missing. Binlogged: call it on the primary only; on a replica it would be refused by read-only
   * or, on MySQL, create an errant GTID.
   */
  void installEpochHistory(Connection c) throws SQLException;

  /**
   * Inserts the epoch's row as a replicated transaction: on promotion, the new primary's first
   * transaction of its epoch. Idempotent: when the epoch is already recorded for the same node,
   * nothing changes.
   *
   * @throws IllegalStateException when the epoch is already recorded for another node: two
   *     primaries were promoted for one epoch, which the state machine must never allow
   */
  void recordEpoch(Connection c, EpochRecord epoch) throws SQLException;

  /**
   * Commits one replicated row ({@code deneb.semisync_nudge}) on the primary. A replica's
   * acknowledgement names a binlog position and covers every commit before it, so this unsticks a
   * commit whose own acknowledgement was never asked for: one a replica received over an
   * asynchronous connection just before it reconnected as a semi-sync replica (it then asks for what
   * follows). The call itself waits for an acknowledgement like any commit. Binlogged: primary only.
   * Writes nothing when the server is read-only or the server's clock has passed {@code notAfter}.
   *
   * @return whether the row was written
   */
  boolean nudgeSemiSync(Connection c, java.time.Instant notAfter) throws SQLException;

  /** All rows of {@code deneb.epoch_history}, oldest epoch first; empty if the table is missing. */
  List<EpochRecord> epochHistory(Connection c) throws SQLException;
}
