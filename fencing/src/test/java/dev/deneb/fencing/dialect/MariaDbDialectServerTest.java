package dev.deneb.fencing.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.gtid.GtidState;
import dev.deneb.fencing.gtid.MariaDbGtid;
import dev.deneb.fencing.gtid.MariaDbGtidPosition;
import dev.deneb.fencing.testserver.MariaDbTestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MariaDB dialect's replication, lease and epoch statements against two real MariaDB 11.4.5
 * servers ({@link MariaDbTestServer}): a primary and a replica pointed at it with GTID positioning.
 * Tests run in order because they walk one replication pair through its life.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MariaDbDialectServerTest {

  /** Quotes and a backslash, to prove CHANGE MASTER's literals are escaped. */
  private static final String REPL_PASSWORD = "r'e\"p\\l";

  @TempDir static Path tmp;
  private static MariaDbTestServer primary;
  private static MariaDbTestServer replica;
  private static DatabaseEndpoint primaryRoot;
  private static DatabaseEndpoint replicaRoot;
  private static final MariaDbDialect dialect = new MariaDbDialect();

  @BeforeAll
  static void startPair() throws Exception {
    primary = MariaDbTestServer.start(tmp.resolve("primary"), MariaDbTestServer.freePort());
    replica = MariaDbTestServer.start(tmp.resolve("replica"), MariaDbTestServer.freePort(), "--read-only=ON");
    primaryRoot = endpoint(primary, Duration.ofSeconds(10));
    replicaRoot = endpoint(replica, Duration.ofSeconds(10));
    try (Connection c = primaryRoot.open()) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE USER repl@'%' IDENTIFIED BY " + s.enquoteLiteral(REPL_PASSWORD));
        s.execute("GRANT REPLICATION SLAVE ON *.* TO repl@'%'");
        s.execute("CREATE DATABASE app");
        s.execute("CREATE TABLE app.t (id INT PRIMARY KEY) ENGINE=InnoDB");
      }
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

  private static DatabaseEndpoint endpoint(MariaDbTestServer s, Duration socketTimeout) {
    return new DatabaseEndpoint("127.0.0.1", s.port(), "root", "", Duration.ofSeconds(2), socketTimeout);
  }

  @Test
  @Order(1)
  void aFreshServerIsNoReplica() throws Exception {
    try (Connection c = replicaRoot.open()) {
      assertThat(Dialects.detect(c)).isInstanceOf(MariaDbDialect.class);
      assertThat(dialect.replicationStatus(c)).isEmpty();
      dialect.stopReplication(c); // no-op on a server that is no replica
      assertThat(dialect.readOnlyState(c)).isEqualTo(new ReadOnlyState(true, false));
    }
  }

  @Test
  @Order(2)
  void replicaFollowsThePrimaryByGtid() throws Exception {
    try (Connection p = primaryRoot.open()) {
      dialect.installEpochHistory(p);
      dialect.recordEpoch(p, new EpochRecord(1, "node-a", dialect.executedGtids(p),
          Instant.parse("2025-01-02T03:04:05.123456Z")));
      // The local lease row must not replicate.
      dialect.installLeaseTable(p);
      dialect.writeLease(p, 1, "node-a", Duration.ofMinutes(5));
    }
    try (Connection r = replicaRoot.open()) {
      dialect.replicateFrom(r, new ReplicationSource(
          "127.0.0.1", primary.port(), "repl", REPL_PASSWORD, false, Duration.ofSeconds(1)));
      await("replica connects").atMost(Duration.ofSeconds(15))
          .until(() -> dialect.replicationStatus(r).map(ReplicationStatus::replicating).orElse(false));
    }
    GtidState target;
    try (Connection p = primaryRoot.open()) {
      for (int i = 1; i <= 5; i++) {
        exec(p, "INSERT INTO app.t VALUES (" + i + ")");
      }
      target = dialect.executedGtids(p);
    }
    try (Connection r = replicaRoot.open()) {
      assertThat(dialect.waitForExecuted(r, target, Duration.ofSeconds(10))).isTrue();
      ReplicationStatus s = dialect.replicationStatus(r).orElseThrow();
      assertThat(s.sourcePort()).isEqualTo(primary.port());
      assertThat(s.gtidPositioning()).isTrue();
      assertThat(s.executed().contains(target)).isTrue();
      assertThat(s.received()).isEqualTo(target);
      assertThat(s.relayLogApplied()).isTrue();
      assertThat(dialect.executedGtids(r)).isEqualTo(target);
      assertThat(dialect.epochHistory(r)).singleElement().satisfies(e -> {
        assertThat(e.epoch()).isEqualTo(1);
        assertThat(e.primaryNode()).isEqualTo("node-a");
        assertThat(e.recordedAt()).isEqualTo(Instant.parse("2025-01-02T03:04:05.123456Z"));
      });
      assertThat(dialect.readLease(r)).as("sql_log_bin=0 keeps the lease row local").isEmpty();
    }
    try (Connection p = primaryRoot.open()) {
      assertThat(dialect.readLease(p)).isPresent();
      // The primary sees the replica's binlog reader, and fencing would spare it.
      assertThat(dialect.sessions(p)).anySatisfy(s -> {
        assertThat(s.command()).startsWith("Binlog Dump");
        assertThat(s.isClientSession(-1, Set.of())).isFalse();
      });
    }
  }

  @Test
  @Order(3)
  void waitingForAPositionNotYetWrittenTimesOut() throws Exception {
    try (Connection r = replicaRoot.open()) {
      MariaDbGtidPosition executed = (MariaDbGtidPosition) dialect.executedGtids(r);
      MariaDbGtid d0 = executed.inDomain(0).orElseThrow();
      MariaDbGtidPosition future = MariaDbGtidPosition.parse("0-" + d0.serverId() + "-" + (d0.seq() + 1000));
      long start = System.nanoTime();
      assertThat(dialect.waitForExecuted(r, future, Duration.ofMillis(300))).isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  @Order(4)
  void epochsAreRecordedOnceAndNeverForTwoNodes() throws Exception {
    try (Connection p = primaryRoot.open()) {
      GtidState now = dialect.executedGtids(p);
      EpochRecord two = new EpochRecord(2, "node-a", now, Instant.now().truncatedTo(ChronoUnit.MICROS));
      dialect.recordEpoch(p, two);
      dialect.recordEpoch(p, two); // a retried step: no error, no second row
      assertThatThrownBy(() -> dialect.recordEpoch(p, new EpochRecord(2, "node-b", now, Instant.now())))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("node-a")
          .hasMessageContaining("node-b");
      assertThat(dialect.epochHistory(p)).extracting(EpochRecord::epoch).containsExactly(1L, 2L);
    }
  }

  @Test
  @Order(5)
  void aReplicaStopsReceivingFromAFrozenSourceAndKeepsApplying() throws Exception {
    // The replica's connection times out after 3 s: a STOP that waited for the frozen source (the
    // semi-sync receiver's kill connection, 5 s by default; slave_net_timeout, 60 s) fails here.
    try (Connection p = primaryRoot.open(); Connection r = endpoint(replica, Duration.ofSeconds(3)).open()) {
      dialect.configureSemiSync(p, SemiSyncRole.PRIMARY, Duration.ofSeconds(1));
      dialect.configureSemiSync(r, SemiSyncRole.REPLICA, Duration.ofSeconds(1));
      await("the replica acknowledges").atMost(Duration.ofSeconds(15)).until(() -> dialect.semiSyncStatus(r).replicaActive());
      exec(p, "INSERT INTO app.t VALUES (100)");
      GtidState before = dialect.executedGtids(p);
      assertThat(dialect.waitForExecuted(r, before, Duration.ofSeconds(2))).isTrue();
      signal("STOP", primary.pid());
      try {
        dialect.stopReceiving(r);
        ReplicationStatus s = dialect.replicationStatus(r).orElseThrow();
        assertThat(s.ioThread()).isEqualTo(IoThreadState.STOPPED);
        assertThat(s.sqlThreadRunning()).as("the applier keeps running").isTrue();
        dialect.stopReceiving(r); // repeated: a no-op
      } finally {
        signal("CONT", primary.pid());
      }
      exec(p, "INSERT INTO app.t VALUES (101)");
      GtidState after = dialect.executedGtids(p);
      await("the detached replica receives nothing more").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
          .until(() -> !dialect.replicationStatus(r).orElseThrow().received().contains(after));
      assertThat(dialect.replicationStatus(r).orElseThrow().received()).isEqualTo(before);
      dialect.configureSemiSync(p, SemiSyncRole.OFF, Duration.ofSeconds(1));
    }
  }

  @Test
  @Order(6)
  void stoppingAndForgettingTheSource() throws Exception {
    try (Connection r = replicaRoot.open()) {
      dialect.stopReplication(r);
      ReplicationStatus s = dialect.replicationStatus(r).orElseThrow();
      assertThat(s.ioThread()).isEqualTo(IoThreadState.STOPPED);
      assertThat(s.sqlThreadRunning()).isFalse();
      dialect.resetReplication(r);
      assertThat(dialect.replicationStatus(r)).isEmpty();
    }
  }

  @Test
  @Order(7)
  void aStoppedServerFailsWithAConnectionErrorWithinTheSocketTimeout() throws Exception {
    DatabaseEndpoint impatient = endpoint(replica, Duration.ofMillis(500));
    try (Connection c = impatient.open()) {
      signal("STOP", replica.pid()); // accepts TCP, never answers: what a SIGSTOPped server does
      try {
        long start = System.nanoTime();
        assertThatThrownBy(() -> dialect.readOnlyState(c))
            .isInstanceOfSatisfying(SQLException.class,
                e -> assertThat(SqlErrors.isConnectionFailure(e)).as(SqlErrors.describe(e)).isTrue());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThatThrownBy(impatient::open)
            .isInstanceOfSatisfying(SQLException.class,
                e -> assertThat(SqlErrors.isConnectionFailure(e)).as(SqlErrors.describe(e)).isTrue());
      } finally {
        signal("CONT", replica.pid());
      }
    }
    try (Connection c = replicaRoot.open()) {
      assertThat(dialect.readOnlyState(c).readOnly()).isTrue();
    }
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor()).as("kill -" + signal + " " + pid).isZero();
    if (signal.equals("STOP")) {
      // kill returns once the signal is sent, not once every thread has stopped: a query sent at
      // once was seen answered (a clean-clone CI run). /proc says when the process is stopped.
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> everyThreadStopped(pid));
    }
  }

  /** Whether every thread's state letter in /proc/{pid}/task/{tid}/stat is 'T' (stopped by a signal). */
  private static boolean everyThreadStopped(long pid) throws java.io.IOException {
    try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/" + pid + "/task"))) {
      for (java.nio.file.Path task : tasks.toList()) {
        String stat = java.nio.file.Files.readString(task.resolve("stat"));
        if (stat.charAt(stat.lastIndexOf(')') + 2) != 'T') return false;
      }
    }
    return true;
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
