package dev.deneb.jepsen.harness;

import com.mysql.cj.MysqlConnection;
import com.mysql.cj.protocol.ServerSessionStateController;
import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.jepsen.history.Op;
import dev.deneb.jepsen.history.OpType;
import dev.deneb.jepsen.history.ProcessId;
import dev.deneb.jepsen.history.Recorder;
import dev.deneb.sandbox.HaEnvironment;
import dev.deneb.sandbox.workload.Writer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One client of the run: writes unique rows into {@code app.writes} through the primary it
 * discovers via the controller API, one autocommit {@code INSERT} at a time, and records each as an
 * invoke and its completion through the {@link Recorder}: the node written to, the epoch the client
 * believed (the API's answer it acted on), and for an acknowledged write its GTID. The GTID comes
 * with the commit's own OK packet (MariaDB's session tracking of {@code last_gtid}): asked for with a
 * second statement, it was missing whenever the connection died between the two, and a write lost
 * with its host (kill-host right after the commit, or a fence on resume after pause-host) could not
 * be matched to the quarantine that reported it. {@code SELECT @@last_gtid} remains the fallback.
 *
 * <p>Discovery is asked again every {@link #REDISCOVER} and after every error; an answer older than
 * the newest epoch this client has seen (a lagging member's stale read) is ignored, so a client
 * never goes back to an epoch it knows is over. When an op ends {@code info} the client continues
 * under a new process number (Jepsen's rule: the old process may still be executing).
 */
final class ClientWorker implements AutoCloseable {
  /** The least time between two writes of one client (50 writes/s each). */
  static final Duration PACE = Duration.ofMillis(20);

  private static final Duration REDISCOVER = Duration.ofMillis(250);
  /** Values are {@code (worker + 1) * STRIDE + n}, so workers never collide. */
  static final long STRIDE = 1_000_000_000L;

  private final HaEnvironment env;
  private final Recorder recorder;
  private final AtomicInteger processNumbers;
  private final int worker;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final java.util.concurrent.atomic.AtomicLong lastOk = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);
  private final Thread thread;
  private long next;
  private int process;

  /**
   * @param processNumbers shared by every worker: the source of fresh process numbers after an
   *     {@code info}
   */
  ClientWorker(HaEnvironment env, Recorder recorder, AtomicInteger processNumbers, int worker) {
    this.env = env;
    this.recorder = recorder;
    this.processNumbers = processNumbers;
    this.worker = worker;
    this.next = (worker + 1) * STRIDE;
    this.process = processNumbers.getAndIncrement();
    this.thread = new Thread(this::run, "jepsen-client-" + worker);
    this.thread.setDaemon(true);
  }

  ClientWorker start() {
    thread.start();
    return this;
  }

  private void run() {
    Writer.Target target = null;
    Connection c = null;
    long discoveredAt = 0;
    long newestEpoch = 0;
    long due = System.nanoTime();
    while (running.get()) {
      // Paced like a Jepsen client: at most one write per PACE each. Unpaced, three clients wrote
      // 8.8 million operations (1.2 GB of history) in a 30-minute run, more than the report could hold.
      long now = System.nanoTime();
      if (now < due) LockSupport.parkNanos(due - now);
      due = Math.max(due, now) + PACE.toNanos();
      if (target == null || System.nanoTime() - discoveredAt > REDISCOVER.toNanos()) {
        Optional<Writer.Target> found = env.primaryTarget();
        discoveredAt = System.nanoTime();
        if (found.isPresent() && found.get().epoch() >= newestEpoch) {
          boolean moved = target == null || !target.node().equals(found.get().node()) || target.epoch() != found.get().epoch();
          newestEpoch = found.get().epoch();
          if (moved) {
            close(c);
            c = null;
            target = found.get();
          }
        }
        if (target == null) {
          backOff();
          continue;
        }
      }
      String value = Long.toString(next++);
      Op invoke = recorder.invoke(ProcessId.client(process), "write", value, target.node(), target.epoch());
      boolean sent = false;
      try {
        if (c == null) c = openTracking(target.endpoint());
        try (Statement s = c.createStatement()) {
          sent = true;
          s.executeUpdate("INSERT INTO app.writes (id, node, epoch) VALUES (" + value + ", '" + target.node() + "', "
              + target.epoch() + ")");
        }
      } catch (SQLException | RuntimeException e) {
        Op done = recorder.error(invoke, e, sent);
        if (done.type() == OpType.INFO) process = processNumbers.getAndIncrement();
        close(c);
        c = null;
        target = null; // ask discovery again before the next write
        backOff();
        continue;
      }
      // Committed: whatever happens next, the write is acknowledged. Its GTID is this session's last.
      String gtid = trackedGtid(c);
      if (gtid == null) {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT @@last_gtid")) {
          if (r.next() && r.getString(1) != null && !r.getString(1).isEmpty()) gtid = r.getString(1);
        } catch (SQLException e) {
          close(c);
          c = null;
        }
      }
      lastOk.set(recorder.ok(invoke, gtid).time());
    }
    close(c);
  }

  /** A connection whose OK packets carry {@code last_gtid} (MariaDB session tracking). */
  static Connection openTracking(DatabaseEndpoint endpoint) throws SQLException {
    java.util.Properties p = endpoint.properties();
    p.setProperty("trackSessionState", "true");
    Connection c = DriverManager.getConnection(endpoint.jdbcUrl(), p);
    try (Statement s = c.createStatement()) {
      s.execute("SET SESSION session_track_system_variables = 'last_gtid'");
    } catch (SQLException e) {
      close(c);
      throw e;
    }
    return c;
  }

  /** The GTID the last statement's OK packet reported, or null when it carried none. */
  static String trackedGtid(Connection c) {
    try {
      var changes = c.unwrap(MysqlConnection.class).getServerSessionStateController().getSessionStateChanges();
      if (changes == null) return null;
      String gtid = null;
      for (ServerSessionStateController.SessionStateChange change : changes.getSessionStateChangesList()) {
        List<String> v = change.getValues();
        if (change.getType() == ServerSessionStateController.SESSION_TRACK_SYSTEM_VARIABLES && v.size() == 2
            && v.get(0).equalsIgnoreCase("last_gtid") && !v.get(1).isEmpty()) {
          gtid = v.get(1);
        }
      }
      return gtid;
    } catch (SQLException | RuntimeException e) {
      return null;
    }
  }

  private static void backOff() {
    // A short pause between attempts while the primary changes; not a wait for a condition.
    LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
  }

  private static void close(Connection c) {
    if (c == null) return;
    try {
      c.close();
    } catch (SQLException ignored) {
      // Broken already.
    }
  }

  /** Time of this worker's newest acknowledged write, or {@link Long#MIN_VALUE}. */
  long lastOkNanos() {
    return lastOk.get();
  }

  int worker() {
    return worker;
  }

  /** Stops after the op in flight and waits for it to be recorded. */
  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
