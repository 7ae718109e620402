package dev.deneb.fencing.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.testserver.MariaDbTestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Semi-sync durability against two real MariaDB 11.4.5 servers with GTID replication: a primary
 * acknowledged by its replica, the fallback to asynchronous replication when the replica stops
 * acknowledging, the return to semi-sync, and switching it off. Every configuration call goes
 * through an account holding only the privileges {@link SqlDialect#configureSemiSync} documents.
 * Tests run in order because they walk one replication pair through its life. Commit delays are
 * printed (for docs/durability.md), never asserted: the assertions are on the server's counters.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MariaDbSemiSyncServerTest {

  private static final Duration TIMEOUT = Duration.ofMillis(500);
  private static final String AGENT_PASSWORD = "agent-pw";

  @TempDir static Path tmp;
  private static MariaDbTestServer primary;
  private static MariaDbTestServer replica;
  private static DatabaseEndpoint primaryRoot;
  private static DatabaseEndpoint primaryAgent;
  private static DatabaseEndpoint replicaAgent;
  private static final MariaDbDialect dialect = new MariaDbDialect();
  private static int nextId = 1;

  @BeforeAll
  static void startPair() throws Exception {
    primary = MariaDbTestServer.start(tmp.resolve("primary"), MariaDbTestServer.freePort());
    replica = MariaDbTestServer.start(tmp.resolve("replica"), MariaDbTestServer.freePort(), "--read-only=ON");
    primaryRoot = endpoint(primary, "root", "");
    primaryAgent = endpoint(primary, "agent", AGENT_PASSWORD);
    replicaAgent = endpoint(replica, "agent", AGENT_PASSWORD);
    try (Connection c = primaryRoot.open()) {
      exec(c, "CREATE USER repl@'%' IDENTIFIED BY 'repl-pw'");
      exec(c, "GRANT REPLICATION SLAVE ON *.* TO repl@'%'");
      exec(c, "CREATE DATABASE app");
      exec(c, "CREATE TABLE app.t (id INT PRIMARY KEY) ENGINE=InnoDB");
      // Replicates to the replica: the same agent account on both servers.
      exec(c, "CREATE USER agent@'127.0.0.1' IDENTIFIED BY '" + AGENT_PASSWORD + "'");
      exec(c, "GRANT REPLICATION MASTER ADMIN, REPLICATION SLAVE ADMIN, REPLICA MONITOR"
          + " ON *.* TO agent@'127.0.0.1'");
    }
  }

  @AfterAll
  static void stopPair() {
    if (replica != null) {
      replica.stop();
    }
    if (primary != null) {
      primary.stop();
    }
  }

  @Test
  @Order(1)
  void aCommitOnThePrimaryIsAcknowledgedByTheReplica() throws Exception {
    try (Connection p = primaryAgent.open()) {
      dialect.configureSemiSync(p, SemiSyncRole.PRIMARY, TIMEOUT);
    }
    try (Connection r = endpoint(replica, "root", "").open()) {
      dialect.replicateFrom(r, new ReplicationSource(
          "127.0.0.1", primary.port(), "repl", "repl-pw", false, Duration.ofSeconds(1)));
      await("replica connects").atMost(Duration.ofSeconds(15))
          .until(() -> dialect.replicationStatus(r).map(ReplicationStatus::replicating).orElse(false));
      try (Connection p = primaryRoot.open()) { // the agent account, replicated
        assertThat(dialect.waitForExecuted(r, dialect.executedGtids(p), Duration.ofSeconds(10))).isTrue();
      }
    }
    long dumpBefore;
    try (Connection p = primaryRoot.open()) {
      dumpBefore = binlogDumpSession(p).orElseThrow();
    }
    try (Connection r = replicaAgent.open()) {
      // The IO thread runs and does not acknowledge yet: configure restarts it.
      assertThat(dialect.semiSyncStatus(r).replicaActive()).isFalse();
      dialect.configureSemiSync(r, SemiSyncRole.REPLICA, TIMEOUT);
      SemiSyncStatus s = dialect.semiSyncStatus(r);
      assertThat(s.replicaEnabled()).isTrue();
      assertThat(s.primaryEnabled()).isFalse();
      await("replica acknowledges").atMost(Duration.ofSeconds(15))
          .until(() -> dialect.semiSyncStatus(r).replicaActive());
    }
    try (Connection p = primaryRoot.open()) {
      assertThat(binlogDumpSession(p)).as("a new binlog reader after the IO thread restart")
          .isPresent().isNotEqualTo(OptionalLong.of(dumpBefore));
      awaitSemiSyncClients(p, 1);
      SemiSyncStatus before = dialect.semiSyncStatus(p);
      assertThat(before.primaryEnabled()).isTrue();
      assertThat(before.replicaEnabled()).isFalse();
      assertThat(before.waitPoint()).isEqualTo("AFTER_SYNC");
      assertThat(before.timeout()).isEqualTo(TIMEOUT);

      Duration delay = timedInsert(p);
      SemiSyncStatus after = dialect.semiSyncStatus(p);
      System.out.printf("semi-sync: acknowledged commit took %d ms%n", delay.toMillis());
      assertThat(after.primaryActive()).isTrue();
      assertThat(after.acknowledgedTransactions()).isEqualTo(before.acknowledgedTransactions() + 1);
      assertThat(after.asyncTransactions()).isEqualTo(before.asyncTransactions());
    }
  }

  @Test
  @Order(2)
  void configuringTwiceChangesNothing() throws Exception {
    SemiSyncStatus primaryBefore;
    SemiSyncStatus replicaBefore;
    long dump;
    try (Connection p = primaryAgent.open(); Connection r = replicaAgent.open();
        Connection root = primaryRoot.open()) {
      primaryBefore = dialect.semiSyncStatus(p);
      replicaBefore = dialect.semiSyncStatus(r);
      dump = binlogDumpSession(root).orElseThrow();
      dialect.configureSemiSync(p, SemiSyncRole.PRIMARY, TIMEOUT);
      dialect.configureSemiSync(r, SemiSyncRole.REPLICA, TIMEOUT);
      assertThat(dialect.semiSyncStatus(p)).isEqualTo(primaryBefore);
      assertThat(dialect.semiSyncStatus(r)).isEqualTo(replicaBefore);
      assertThat(binlogDumpSession(root)).as("the replica's IO thread was not restarted").hasValue(dump);

      timedInsert(root);
      assertThat(dialect.semiSyncStatus(p).acknowledgedTransactions())
          .isEqualTo(primaryBefore.acknowledgedTransactions() + 1);
    }
  }

  @Test
  @Order(3)
  void withoutAnAcknowledgementThePrimaryFallsBackToAsyncAfterTheTimeout() throws Exception {
    try (Connection r = replicaAgent.open()) {
      exec(r, "STOP REPLICA IO_THREAD");
      // A stopped IO thread stays stopped: configuring does not start what an operator stopped.
      dialect.configureSemiSync(r, SemiSyncRole.REPLICA, TIMEOUT);
      assertThat(dialect.replicationStatus(r).orElseThrow().ioThread()).isEqualTo(IoThreadState.STOPPED);
    }
    try (Connection p = primaryRoot.open()) {
      // Rpl_semi_sync_master_clients still counts the stopped replica here: the primary notices
      // the closed connection only when it next sends it an event, i.e. at the INSERT below.
      SemiSyncStatus before = dialect.semiSyncStatus(p);
      assertThat(before.primaryActive()).isTrue();

      Duration waited = timedInsert(p); // commits, after waiting for an acknowledgement in vain
      SemiSyncStatus fallen = dialect.semiSyncStatus(p);
      Duration async = timedInsert(p); // no wait while fallen back
      SemiSyncStatus after = dialect.semiSyncStatus(p);
      System.out.printf("semi-sync: commit without a replica took %d ms (timeout %d ms);"
          + " the next commit, fallen back to async, took %d ms%n",
          waited.toMillis(), TIMEOUT.toMillis(), async.toMillis());

      assertThat(fallen.primaryEnabled()).isTrue();
      assertThat(fallen.primaryActive()).as("fallen back to async").isFalse();
      assertThat(fallen.asyncTransactions()).isEqualTo(before.asyncTransactions() + 1);
      assertThat(fallen.acknowledgedTransactions()).isEqualTo(before.acknowledgedTransactions());
      assertThat(after.primaryActive()).isFalse();
      assertThat(after.asyncTransactions()).isEqualTo(before.asyncTransactions() + 2);
      assertThat(count(p)).isEqualTo(nextId - 1);
    }
  }

  @Test
  @Order(4)
  void whenTheReplicaReconnectsSemiSyncResumes() throws Exception {
    try (Connection r = replicaAgent.open()) {
      exec(r, "START REPLICA IO_THREAD");
    }
    try (Connection p = primaryRoot.open()) {
      await("semi-sync active again").atMost(Duration.ofSeconds(15))
          .until(() -> dialect.semiSyncStatus(p).primaryActive());
      SemiSyncStatus before = dialect.semiSyncStatus(p);
      Duration delay = timedInsert(p);
      System.out.printf("semi-sync: acknowledged commit after the return took %d ms%n", delay.toMillis());
      SemiSyncStatus after = dialect.semiSyncStatus(p);
      assertThat(after.primaryActive()).isTrue();
      assertThat(after.acknowledgedTransactions()).isEqualTo(before.acknowledgedTransactions() + 1);
      assertThat(after.asyncTransactions()).isEqualTo(before.asyncTransactions());
    }
  }

  /**
   * The finding of the 30-minute semi-sync run (docs/jepsen.md): the server measures its timeout
   * from the commit's start on its wall clock, so a primary frozen longer than the timeout lets a
   * waiting commit return, unacknowledged, the moment it resumes. Without a timeout of its own the
   * commit keeps waiting, and only a release executed before its deadline lets it go.
   */
  @Test
  @Order(5)
  void aFrozenPrimaryReleasesAWaitingCommitOnlyWhenTheAgentSaysSoInTime() throws Exception {
    try (Connection r = replicaAgent.open()) {
      exec(r, "STOP REPLICA IO_THREAD");
    }
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try (Connection p = primaryAgent.open(); Connection root = primaryRoot.open();
        Connection client = primaryRoot.open()) {
      // With the server's own timeout: the freeze outlasts it, and the resumed server commits at once.
      Duration bound = Duration.ofSeconds(2);
      Duration freeze = Duration.ofSeconds(3);
      dialect.configureSemiSync(p, SemiSyncRole.PRIMARY, bound);
      Future<Duration> bounded = writer.submit(() -> timedInsert(client));
      awaitWaiting(root);
      long frozeAt = System.nanoTime();
      freeze(primary, freeze);
      Duration took = bounded.get(10, TimeUnit.SECONDS);
      System.out.printf("semi-sync: timeout %d ms, a waiting commit's server froze for %d ms: the commit returned %d ms"
          + " after the resume%n", bound.toMillis(), freeze.toMillis(),
          Duration.ofNanos(System.nanoTime() - frozeAt).minus(freeze).toMillis());
      assertThat(dialect.semiSyncStatus(root).primaryActive()).as("fell back on its own").isFalse();

      // Without one: the same freeze, and the commit still waits after the resume. (Off, then on:
      // switching the primary side on is what ends a fallback without a replica catching up.)
      dialect.configureSemiSync(p, SemiSyncRole.OFF, bound);
      dialect.configureSemiSync(p, SemiSyncRole.PRIMARY, SqlDialect.SEMI_SYNC_NEVER_FALL_BACK);
      assertThat(dialect.semiSyncStatus(root).primaryActive()).isTrue();
      assertThat(dialect.semiSyncStatus(p).timeout()).isEqualTo(SqlDialect.SEMI_SYNC_NEVER_FALL_BACK);
      SemiSyncStatus before = dialect.semiSyncStatus(root);
      Future<Duration> unbounded = writer.submit(() -> timedInsert(client));
      awaitWaiting(root);
      freeze(primary, freeze);
      await("still waiting after the resume").during(TIMEOUT.multipliedBy(2)).atMost(TIMEOUT.multipliedBy(4))
          .until(() -> !unbounded.isDone() && dialect.semiSyncStatus(root).waitingSessions() == 1);

      // A release that comes after its deadline changes nothing; one in time lets the commit go.
      assertThat(dialect.releaseSemiSyncWaits(p, Instant.now().minusMillis(1))).isFalse();
      await("a late release releases nothing").during(TIMEOUT).atMost(TIMEOUT.multipliedBy(3))
          .until(() -> !unbounded.isDone());
      assertThat(dialect.releaseSemiSyncWaits(p, Instant.now().plusSeconds(5))).isTrue();
      unbounded.get(10, TimeUnit.SECONDS);
      SemiSyncStatus released = dialect.semiSyncStatus(root);
      assertThat(released.primaryEnabled()).isFalse();
      assertThat(released.waitingSessions()).isZero();
      assertThat(released.asyncTransactions()).isEqualTo(before.asyncTransactions() + 1);

      // Back on, and acknowledged once the replica returns.
      dialect.configureSemiSync(p, SemiSyncRole.PRIMARY, SqlDialect.SEMI_SYNC_NEVER_FALL_BACK);
      try (Connection r = replicaAgent.open()) {
        exec(r, "START REPLICA IO_THREAD");
      }
      await("semi-sync active again").atMost(Duration.ofSeconds(15))
          .until(() -> dialect.semiSyncStatus(root).primaryActive() && dialect.semiSyncStatus(root).replicas() == 1);
      SemiSyncStatus again = dialect.semiSyncStatus(root);
      timedInsert(root);
      assertThat(dialect.semiSyncStatus(root).acknowledgedTransactions()).isEqualTo(again.acknowledgedTransactions() + 1);
    } finally {
      writer.shutdownNow();
    }
  }

  private static void awaitWaiting(Connection root) {
    await("the commit waits for an acknowledgement").atMost(Duration.ofSeconds(10))
        .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
        .until(() -> dialect.semiSyncStatus(root).waitingSessions() == 1);
  }

  /** SIGSTOPs the server for {@code d}, then SIGCONTs it. */
  private static void freeze(MariaDbTestServer s, Duration d) throws Exception {
    signal(s, "STOP");
    try {
      Thread.sleep(d.toMillis()); // the fault's length, not a wait for a condition
    } finally {
      signal(s, "CONT");
    }
  }

  private static void signal(MariaDbTestServer s, String sig) throws Exception {
    Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(s.pid())).inheritIO().start();
    assertThat(k.waitFor()).as("kill -" + sig).isZero();
  }

  @Test
  @Order(6)
  void offTurnsBothSidesOff() throws Exception {
    try (Connection p = primaryAgent.open(); Connection r = replicaAgent.open();
        Connection root = primaryRoot.open()) {
      for (int i = 0; i < 2; i++) { // the second round is a no-op
        dialect.configureSemiSync(p, SemiSyncRole.OFF, TIMEOUT);
        dialect.configureSemiSync(r, SemiSyncRole.OFF, TIMEOUT);
        assertOff(dialect.semiSyncStatus(p));
        assertOff(dialect.semiSyncStatus(r));
      }
      assertThat(dialect.replicationStatus(r).orElseThrow().ioThread()).isNotEqualTo(IoThreadState.STOPPED);

      SemiSyncStatus before = dialect.semiSyncStatus(p);
      Duration delay = timedInsert(root);
      System.out.printf("semi-sync off: commit took %d ms%n", delay.toMillis());
      SemiSyncStatus after = dialect.semiSyncStatus(p);
      assertThat(after.acknowledgedTransactions()).isEqualTo(before.acknowledgedTransactions());
      assertThat(after.asyncTransactions()).isEqualTo(before.asyncTransactions());
    }
  }

  /**
   * The lost acknowledgement behind a clean-clone CI failure: a commit waits on a primary whose
   * replica is connected asynchronously and receives it; the replica then reconnects as a semi-sync
   * replica and asks only for what follows. That commit is never acknowledged; a nudge, one
   * replicated row whose acknowledgement covers it, lets it return as acknowledged.
   */
  @Test
  @Order(7)
  void aNudgeUnsticksACommitWhoseAcknowledgementWasLostToAReconnect() throws Exception {
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try (Connection p = primaryAgent.open(); Connection root = primaryRoot.open(); Connection client = primaryRoot.open();
        Connection r = replicaAgent.open(); Connection replicaRoot = endpoint(replica, "root", "").open()) {
      dialect.installEpochHistory(root);
      assertThat(dialect.waitForExecuted(replicaRoot, dialect.executedGtids(root), Duration.ofSeconds(10))).isTrue();
      assertThat(dialect.semiSyncStatus(r).replicaActive()).as("the replica receives asynchronously").isFalse();
      dialect.configureSemiSync(p, SemiSyncRole.PRIMARY, SqlDialect.SEMI_SYNC_NEVER_FALL_BACK);
      SemiSyncStatus before = dialect.semiSyncStatus(root);

      Future<Duration> waiting = writer.submit(() -> timedInsert(client));
      awaitWaiting(root);
      // The replica has the waiting commit (AFTER_SYNC: binlogged before the wait) ...
      assertThat(dialect.waitForExecuted(replicaRoot, dialect.executedGtids(root), Duration.ofSeconds(10))).isTrue();
      // ... and now reconnects as a semi-sync replica, asking for what follows it.
      dialect.configureSemiSync(r, SemiSyncRole.REPLICA, TIMEOUT);
      awaitSemiSyncClients(root, 1);
      await("no acknowledgement comes for it").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
          .until(() -> !waiting.isDone() && dialect.semiSyncStatus(root).waitingSessions() == 1);

      // A nudge past its deadline writes nothing.
      assertThat(dialect.nudgeSemiSync(root, Instant.now().minusSeconds(1))).isFalse();
      assertThat(waiting.isDone()).isFalse();

      Duration nudge;
      try (Connection n = primaryRoot.open()) {
        long start = System.nanoTime();
        assertThat(dialect.nudgeSemiSync(n, Instant.now().plusSeconds(5))).isTrue();
        nudge = Duration.ofNanos(System.nanoTime() - start);
      }
      Duration took = waiting.get(10, TimeUnit.SECONDS);
      SemiSyncStatus after = dialect.semiSyncStatus(root);
      System.out.printf("semi-sync: a commit whose acknowledgement was lost to a reconnect returned %d ms after it began,"
          + " once a nudge was acknowledged (%d ms)%n", took.toMillis(), nudge.toMillis());
      assertThat(after.primaryActive()).isTrue();
      assertThat(after.asyncTransactions()).as("nothing went asynchronous").isEqualTo(before.asyncTransactions());
      assertThat(after.acknowledgedTransactions()).isGreaterThan(before.acknowledgedTransactions());

      // Nor does one on a read-only (fenced) server, although this account bypasses read-only.
      String executed = dialect.executedGtids(root).format();
      exec(root, "SET GLOBAL read_only = 1");
      try {
        assertThat(dialect.nudgeSemiSync(root, Instant.now().plusSeconds(5))).isFalse();
      } finally {
        exec(root, "SET GLOBAL read_only = 0");
      }
      assertThat(dialect.executedGtids(root).format()).as("no transaction on the fenced server").isEqualTo(executed);
    } finally {
      writer.shutdownNow();
    }
  }

  private static void assertOff(SemiSyncStatus s) {
    assertThat(s.primaryEnabled()).isFalse();
    assertThat(s.primaryActive()).isFalse();
    assertThat(s.replicaEnabled()).isFalse();
    assertThat(s.replicaActive()).isFalse();
  }

  private static DatabaseEndpoint endpoint(MariaDbTestServer s, String user, String password) {
    return new DatabaseEndpoint("127.0.0.1", s.port(), user, password, Duration.ofSeconds(2),
        Duration.ofSeconds(10));
  }

  /** Inserts the next row (autocommit) and returns how long the commit took. */
  private static Duration timedInsert(Connection c) throws SQLException {
    long start = System.nanoTime();
    exec(c, "INSERT INTO app.t VALUES (" + nextId++ + ")");
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private static long count(Connection c) throws SQLException {
    return Jdbc.number(c, "SELECT COUNT(*) FROM app.t");
  }

  private static void awaitSemiSyncClients(Connection p, long n) {
    await("primary has " + n + " semi-sync replica(s)").atMost(Duration.ofSeconds(15))
        .until(() -> Jdbc.number(p, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
            + " WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_CLIENTS'") == n);
  }

  /** The session id of the replica's binlog reader on the primary (needs PROCESS: use root). */
  private static OptionalLong binlogDumpSession(Connection p) throws SQLException {
    return dialect.sessions(p).stream()
        .filter(s -> s.command() != null && s.command().startsWith("Binlog Dump"))
        .mapToLong(SessionInfo::id)
        .findFirst();
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
