package dev.deneb.agent.db;

import dev.deneb.agent.config.AgentConfig;
import dev.deneb.fencing.FenceOutcome;
import dev.deneb.fencing.ReadOnlyFence;
import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.fencing.dialect.Dialects;
import dev.deneb.fencing.dialect.ReadOnlyBypass;
import dev.deneb.fencing.dialect.ReadOnlyLevel;
import dev.deneb.fencing.dialect.ReplicationStatus;
import dev.deneb.fencing.dialect.SqlDialect;
import dev.deneb.protocol.HealthReport;
import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to the agent's own database, reopened after any failure. Not thread-safe: each
 * agent thread that talks SQL (fencing, probing) owns one, so a slow probe never delays a fence.
 * All SQL goes through the fencing module's dialect (DESIGN §5).
 */
public final class LocalDatabase implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalDatabase.class);

  private final DatabaseEndpoint endpoint;
  private final Path stateDir;
  /** Volatile only for {@link #abort()}, which another thread may call; all else stays on the owner's thread. */
  private volatile Connection connection;
  private SqlDialect dialect;

  public LocalDatabase(AgentConfig.Database config, Path stateDir) {
    this.endpoint = new DatabaseEndpoint(config.address().host(), config.address().port(), config.user(),
        config.password(), config.connectTimeout(), config.socketTimeout());
    this.stateDir = stateDir;
  }

  /** Opens (or reuses) the connection; {@link SQLException} with SQLState class 08 when unreachable. */
  public Connection connection() throws SQLException {
    if (connection != null && !connection.isClosed()) return connection;
    connection = endpoint.open();
    dialect = Dialects.detect(connection);
    return connection;
  }

  public SqlDialect dialect() throws SQLException {
    connection();
    return dialect;
  }

  /**
   * Creates the local lease table and the guard event; warns about accounts that bypass read-only.
   * The guard goes in last: on a writable server without a lease row it fires within a second and
   * kills every client session, this one included, which must not fail the agent's start.
   */
  public void prepare() throws SQLException {
    try {
      install();
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  private void install() throws SQLException {
    Connection c = connection();
    dialect.installLeaseTable(c);
    for (ReadOnlyBypass b : dialect.readOnlyBypassAccounts(c)) {
      LOG.warn("account {} bypasses read_only: fencing cannot stop its writes; do not give it to applications", b);
    }
    if (dialect.readOnlyState(c).level() == ReadOnlyLevel.WRITABLE) {
      LOG.warn("database {} is writable at agent start without a lease held by this agent: the guard and the "
          + "lease keeper will fence it unless a lease is granted", endpoint);
    }
    dialect.installGuard(c);
  }

  /** The local lease row a previous agent run wrote, if any. */
  public Optional<dev.deneb.fencing.dialect.LeaseRow> leaseRow() throws SQLException {
    try {
      return dialect().readLease(connection());
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /** Read-only, kill client sessions, verify — within {@code budget} (DESIGN §3.2 step 4). */
  public FenceOutcome fence(Duration budget) throws SQLException {
    try {
      Connection c = connection();
      ReadOnlyFence fence = new ReadOnlyFence(dialect, budget.dividedBy(4).isZero() ? Duration.ofMillis(1) : budget.dividedBy(4),
          Set.of(endpoint.user()), System::nanoTime);
      return fence.fence(c, budget);
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /** Lease row first (so the guard stays quiet), then writable. */
  public void unfence(long epoch, String node, Duration leaseLeft) throws SQLException {
    try {
      Connection c = connection();
      dialect.writeLease(c, epoch, node, leaseLeft);
      dialect.setReadOnlyLevel(c, ReadOnlyLevel.WRITABLE);
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /**
   * Makes this server the primary of {@code epoch} short of lifting read-only (DESIGN §3.4
   * PROMOTED): waits (at most {@code applyWait}) until replication has applied what it received,
   * stops and forgets replication, and records the epoch in the replicated
   * {@code deneb.epoch_history} as the epoch's first transaction. Idempotent: a server that is no
   * replica and has the epoch recorded only answers again.
   *
   * @return the executed GTIDs after the epoch was recorded
   */
  public String prepareAsPrimary(long epoch, String node, Duration applyWait, boolean semiSync, Duration semiSyncTimeout)
      throws SQLException {
    try {
      Connection c = connection();
      Optional<ReplicationStatus> repl = dialect.replicationStatus(c);
      if (repl.isPresent() && repl.get().received() != null && !repl.get().executed().contains(repl.get().received())) {
        // The relay log holds transactions the old primary committed: apply them before taking over.
        long deadline = System.nanoTime() + applyWait.toNanos();
        Duration step = Duration.ofMillis(Math.max(100, endpoint.socketTimeout().toMillis() / 2));
        while (!dialect.waitForExecuted(c, repl.get().received(), step)) {
          if (System.nanoTime() > deadline) {
            throw new SQLException("relay log not applied within " + applyWait.toMillis() + " ms: received "
                + repl.get().received().format() + ", executed " + dialect.executedGtids(c).format(), "HY000");
          }
        }
      }
      if (repl.isPresent()) {
        // RESET REPLICA ALL needs RELOAD: only asked of a server that is a replica.
        dialect.stopReplication(c);
        dialect.resetReplication(c);
      }
      // Where the earlier epochs' stream ends here: recorded with the epoch, and what nodes left behind
      // by this epoch are checked against (DESIGN §3.6).
      var start = dialect.executedGtids(c);
      dialect.installEpochHistory(c);
      dialect.recordEpoch(c, new dev.deneb.fencing.dialect.EpochRecord(epoch, node, start, java.time.Instant.now()));
      // Semi-sync after the epoch's own rows: no replica replicates from this server yet (they are
      // repointed once discovery names it), so those writes would each wait out the whole timeout.
      // Clients cannot write before read-only is lifted, which comes after this.
      dialect.configureSemiSync(c, semiSync ? dev.deneb.fencing.dialect.SemiSyncRole.PRIMARY
          : dev.deneb.fencing.dialect.SemiSyncRole.OFF, semiSyncTimeout);
      return dialect.executedGtids(c).format();
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /** Sets this server's semi-sync role (docs/durability.md). */
  /** {@link dev.deneb.fencing.dialect.SqlDialect#nudgeSemiSync}: waits for an acknowledgement like any commit. */
  public boolean nudgeSemiSync(java.time.Instant notAfter) throws SQLException {
    try {
      return dialect().nudgeSemiSync(connection(), notAfter);
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  public void configureSemiSync(dev.deneb.fencing.dialect.SemiSyncRole role, Duration timeout) throws SQLException {
    try {
      dialect().configureSemiSync(connection(), role, timeout);
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /** This server's semi-sync settings, state and counters. */
  public dev.deneb.fencing.dialect.SemiSyncStatus semiSyncStatus() throws SQLException {
    try {
      return dialect().semiSyncStatus(connection());
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /**
   * Lets the commits waiting for a semi-sync acknowledgement go, if the server executes this
   * before {@code notAfter} ({@code SqlDialect.releaseSemiSyncWaits}).
   *
   * @return whether the primary side is off afterwards
   */
  public boolean releaseSemiSyncWaits(java.time.Instant notAfter) throws SQLException {
    try {
      return dialect().releaseSemiSyncWaits(connection(), notAfter);
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /** Stops receiving from the source, keeps applying (a no-op on a server that is no replica). */
  public void stopReceiving() throws SQLException {
    try {
      dialect().stopReceiving(connection());
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /** Whether this server replicates from host:port with both threads running (connecting counts). */
  public boolean replicatesFrom(String host, int port) throws SQLException {
    try {
      Optional<ReplicationStatus> repl = dialect().replicationStatus(connection());
      return repl.isPresent() && repl.get().sourceHost().equals(host) && repl.get().sourcePort() == port
          && repl.get().sqlThreadRunning() && repl.get().ioThread() != dev.deneb.fencing.dialect.IoThreadState.STOPPED;
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /** The start position recorded for {@code epoch} in deneb.epoch_history, when this server has the row. */
  public Optional<String> epochStart(long epoch) throws SQLException {
    try {
      return dialect().epochHistory(connection()).stream().filter(r -> r.epoch() == epoch).findFirst()
          .map(r -> r.gtid().format());
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /** What this server has executed, as its dialect formats it. */
  public String executedGtids() throws SQLException {
    try {
      return dialect().executedGtids(connection()).format();
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /**
   * Replicates from {@code source} unless already doing so from that address with both threads
   * running (then nothing changes, so repeating a directive never restarts replication).
   *
   * @return what was done, for the acknowledgement
   */
  public String replicateFrom(dev.deneb.fencing.dialect.ReplicationSource source) throws SQLException {
    try {
      Connection c = connection();
      if (replicatesFrom(source.host(), source.port())) return "already replicating from " + source.host() + ":" + source.port();
      Optional<ReplicationStatus> repl = dialect.replicationStatus(c);
      dialect.replicateFrom(c, source);
      return "now replicating from " + source.host() + ":" + source.port()
          + repl.map(r -> " (was " + r.sourceHost() + ":" + r.sourcePort() + ")").orElse(" (was no replica)");
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /** Extends the local lease row while the lease keeper holds the lease. */
  public void refreshLease(long epoch, String node, Duration leaseLeft) throws SQLException {
    try {
      dialect().writeLease(connection(), epoch, node, leaseLeft);
    } catch (SQLException e) {
      drop();
      throw e;
    }
  }

  /** The health report of DESIGN §3.3; a failed probe reports mysqld down with the reason. */
  public HealthReport probe(long nowNanos) {
    HealthReport.Builder r = HealthReport.newBuilder().setSentAtMonotonicNanos(nowNanos).setLagSeconds(-1)
        .setDiskFreeBytes(diskFree());
    try {
      Connection c = connection();
      r.setMysqldUp(true).setReadOnly(dialect.readOnlyState(c).readOnly());
      r.setExecutedGtids(dialect.executedGtids(c).format());
      Optional<ReplicationStatus> repl = dialect.replicationStatus(c);
      repl.ifPresent(s -> {
        r.setIoRunning(s.ioThread() == dev.deneb.fencing.dialect.IoThreadState.RUNNING)
            .setSqlRunning(s.sqlThreadRunning())
            .setLagSeconds(s.lagSeconds().orElse(-1))
            .setReceivedGtids(s.received() == null ? "" : s.received().format())
            .setSource(s.sourceHost() + ":" + s.sourcePort());
      });
    } catch (SQLException | RuntimeException e) {
      drop();
      r.setMysqldUp(false).setError(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    return r.build();
  }

  private long diskFree() {
    try {
      return Files.getFileStore(stateDir).getUsableSpace();
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  /**
   * Closes the connection under a call that hangs (a SIGSTOPped server answers nothing until the
   * socket timeout), so that call fails now. The one method another thread may call; the owner's
   * next call opens a new connection.
   */
  public void abort() {
    Connection c = connection;
    if (c == null) return;
    try {
      c.abort(Runnable::run);
    } catch (SQLException | RuntimeException e) {
      LOG.debug("aborting the connection to {} failed: {}", endpoint, e.getMessage());
    }
  }

  private void drop() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // Already broken; a new one is opened on the next call.
      }
      connection = null;
    }
  }

  @Override
  public void close() {
    drop();
  }
}
