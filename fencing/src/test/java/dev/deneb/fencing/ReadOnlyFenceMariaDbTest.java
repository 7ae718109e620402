package dev.deneb.fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.fencing.dialect.Dialects;
import dev.deneb.fencing.dialect.ReadOnlyBypass;
import dev.deneb.fencing.dialect.ReadOnlyLevel;
import dev.deneb.fencing.dialect.SessionInfo;
import dev.deneb.fencing.dialect.SqlDialect;
import dev.deneb.fencing.dialect.SqlErrors;
import dev.deneb.fencing.testserver.MariaDbTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 3, "Done when" 6, on a real MariaDB 11.4.5 ({@link MariaDbTestServer}; run with
 * {@code -Ddeneb.mariadb=debian} for Debian's 10.11): fencing a primary
 * that has an open write transaction, a {@code LOCK TABLES ... WRITE} session and a write statement
 * in flight succeeds within a fenceLead of 500 ms, {@code @@read_only} is then ON, and the open
 * transaction's COMMIT fails. Also the in-database guard: once the lease row expires, the event
 * fences the server by itself, even past a LOCK TABLES holder.
 *
 * <p>The measured fence times are logged and appended to {@code target/fence-measurements.txt};
 * the only time asserted is the budget itself.
 */
class ReadOnlyFenceMariaDbTest {

  private static final Logger log = LoggerFactory.getLogger(ReadOnlyFenceMariaDbTest.class);
  private static final Duration FENCE_LEAD = Duration.ofMillis(500);
  private static final Duration ATTEMPT_WAIT = Duration.ofMillis(100);

  @TempDir static Path tmp;
  private static MariaDbTestServer db;
  private static SqlDialect dialect;
  private static DatabaseEndpoint root;
  private static DatabaseEndpoint app;
  private static String serverVersion;
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @BeforeAll
  static void startServer() throws Exception {
    db = MariaDbTestServer.start(tmp.resolve("primary"), MariaDbTestServer.freePort());
    root = new DatabaseEndpoint("127.0.0.1", db.port(), "root", "", Duration.ofSeconds(2), Duration.ofSeconds(10));
    app = new DatabaseEndpoint("127.0.0.1", db.port(), "app", "app-pw", Duration.ofSeconds(2), Duration.ofSeconds(10));
    try (Connection c = root.open()) {
      dialect = Dialects.detect(c);
      serverVersion = scalar(c, "SELECT @@version");
      exec(c, "CREATE DATABASE app");
      exec(c, "CREATE TABLE app.orders (id INT PRIMARY KEY, note VARCHAR(40)) ENGINE=InnoDB");
      exec(c, "CREATE TABLE app.audit (id INT PRIMARY KEY) ENGINE=InnoDB");
      exec(c, "CREATE TABLE app.slow (id INT) ENGINE=InnoDB");
      // An application account as it should be: no READ_ONLY ADMIN, no ALL PRIVILEGES on *.*.
      exec(c, "CREATE USER app@'%' IDENTIFIED BY 'app-pw'");
      exec(c, "GRANT SELECT, INSERT, UPDATE, DELETE, LOCK TABLES ON app.* TO app@'%'");
    }
  }

  @AfterAll
  static void stopServer() {
    if (db != null) {
      db.stop(); // by PID; the helper's shutdown hook covers a JVM that dies first
    }
  }

  @AfterEach
  void stopThreads() throws InterruptedException {
    pool.shutdownNow();
    pool.awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void fencesPastAnOpenTransactionALockTablesHolderAndAWriteInFlight() throws Exception {
    try (Connection c = root.open()) {
      dialect.setReadOnlyLevel(c, ReadOnlyLevel.WRITABLE);
    }
    Connection openTx = app.open();
    Connection locker = app.open();
    Connection inFlight = app.open();
    try {
      openTx.setAutoCommit(false);
      exec(openTx, "INSERT INTO app.orders VALUES (1, 'written before the fence')");
      exec(locker, "LOCK TABLES app.audit WRITE");
      exec(locker, "INSERT INTO app.audit VALUES (1)");
      CompletableFuture<Void> slowWrite = CompletableFuture.runAsync(() -> {
        try {
          exec(inFlight, "INSERT INTO app.slow SELECT SLEEP(20)");
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }, pool);
      await("the slow INSERT is running").atMost(Duration.ofSeconds(5))
          .until(() -> sessionsInState("User sleep") == 1);

      FenceOutcome outcome;
      try (Connection c = root.open()) {
        ReadOnlyFence fence = new ReadOnlyFence(dialect, ATTEMPT_WAIT, Set.of(), System::nanoTime);
        outcome = fence.fence(c, FENCE_LEAD);
      }
      record("fence past open tx + LOCK TABLES + write in flight", outcome);

      assertThat(outcome.fenced()).as(outcome.reason()).isTrue();
      assertThat(outcome.elapsed()).isLessThanOrEqualTo(FENCE_LEAD);
      assertThat(outcome.attempts()).as("LOCK TABLES must have blocked the first attempt").isGreaterThanOrEqualTo(2);
      assertThat(outcome.killed()).extracting(SessionInfo::user).containsOnly("app").hasSizeGreaterThanOrEqualTo(3);
      try (Connection c = root.open()) {
        assertThat(dialect.readOnlyState(c).readOnly()).isTrue();
        assertThat(scalar(c, "SELECT @@GLOBAL.read_only")).isEqualTo("1");
        assertThat(scalar(c, "SELECT COUNT(*) FROM app.orders WHERE id = 1")).isEqualTo("0");
      }
      assertThatThrownBy(openTx::commit).isInstanceOf(SQLException.class);
      assertThatThrownBy(() -> exec(locker, "INSERT INTO app.audit VALUES (2)")).isInstanceOf(SQLException.class);
      assertThat(slowWrite).failsWithin(Duration.ofSeconds(5));
      try (Connection c = app.open()) {
        assertThatThrownBy(() -> exec(c, "INSERT INTO app.orders VALUES (2, 'after the fence')"))
            .isInstanceOfSatisfying(SQLException.class,
                e -> assertThat(e.getErrorCode()).isEqualTo(SqlErrors.READ_ONLY_REFUSED));
      }
    } finally {
      closeQuietly(openTx, locker, inFlight);
    }
  }

  @Test
  void commitOfAnOpenTransactionFailsOnceReadOnlyIsSetEvenBeforeAnyKill() throws Exception {
    try (Connection c = root.open()) {
      dialect.setReadOnlyLevel(c, ReadOnlyLevel.WRITABLE);
    }
    try (Connection openTx = app.open(); Connection c = root.open()) {
      openTx.setAutoCommit(false);
      exec(openTx, "INSERT INTO app.orders VALUES (10, 'idle transaction')");

      // An idle open transaction does not hold read-only off: one attempt suffices.
      assertThat(dialect.trySetReadOnly(c, ATTEMPT_WAIT)).isTrue();

      assertThatThrownBy(openTx::commit)
          .isInstanceOfSatisfying(SQLException.class,
              e -> assertThat(e.getErrorCode()).isEqualTo(SqlErrors.READ_ONLY_REFUSED));
    }
  }

  @Test
  void applicationAccountsWithoutReadOnlyAdminAreNotReportedRootIs() throws Exception {
    try (Connection c = root.open()) {
      assertThat(dialect.readOnlyBypassAccounts(c))
          .extracting(ReadOnlyBypass::account)
          .contains("'root'@'localhost'")
          .noneMatch(a -> a.startsWith("'app'"));
      exec(c, "CREATE USER IF NOT EXISTS overprivileged@'%' IDENTIFIED BY 'x'");
      exec(c, "GRANT ALL PRIVILEGES ON *.* TO overprivileged@'%'");
      assertThat(dialect.readOnlyBypassAccounts(c))
          .contains(new ReadOnlyBypass("'overprivileged'@'%'", "READ_ONLY ADMIN"));
      exec(c, "DROP USER overprivileged@'%'");
    }
  }

  @Test
  void theGuardEventFencesOnceTheLeaseRowExpires() throws Exception {
    try (Connection c = root.open()) {
      dialect.setReadOnlyLevel(c, ReadOnlyLevel.READ_ONLY);
      dialect.installGuard(c);
      assertThat(dialect.guardStatus(c).problems()).isEmpty();
      // Ordering: lease row first, then writable; the other way round the guard fires at once.
      dialect.writeLease(c, 7, "node-a", Duration.ofMillis(1500));
      dialect.setReadOnlyLevel(c, ReadOnlyLevel.WRITABLE);
      assertThat(dialect.readLease(c)).hasValueSatisfying(l -> {
        assertThat(l.epoch()).isEqualTo(7);
        assertThat(l.node()).isEqualTo("node-a");
        assertThat(l.expired()).isFalse();
      });
    }
    Instant leaseEnd = Instant.now().plusMillis(1500);
    Connection locker = app.open();
    try {
      exec(locker, "LOCK TABLES app.audit WRITE");

      // The guard kills every client session, this test's too: poll with fresh connections.
      try {
        await("the guard sets read_only").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
            .ignoreExceptionsInstanceOf(SQLException.class)
            .until(ReadOnlyFenceMariaDbTest::readOnlyNow);
      } catch (ConditionTimeoutException e) {
        throw new AssertionError(e.getMessage() + "; server error log:\n" + db.errorLogTail(), e);
      }
      Duration afterExpiry = Duration.between(leaseEnd, Instant.now());
      log.info("guard fenced {} ms after the lease row expired", afterExpiry.toMillis());
      appendMeasurement("guard event fenced (LOCK TABLES held) " + afterExpiry.toMillis()
          + " ms after the lease row expired (event runs every 1 s)");

      assertThat(locker.isValid(2)).as("the guard killed the LOCK TABLES session").isFalse();
      try (Connection c = root.open()) {
        assertThat(dialect.readLease(c)).hasValueSatisfying(l -> assertThat(l.expired()).isTrue());
        // What an agent that regained its lease does: lease row first, then writable.
        dialect.writeLease(c, 8, "node-a", Duration.ofSeconds(30));
        dialect.setReadOnlyLevel(c, ReadOnlyLevel.WRITABLE);
        assertThat(dialect.guardStatus(c).armed()).isTrue();
      }
    } finally {
      closeQuietly(locker);
      try (Connection c = root.open()) {
        exec(c, "DROP EVENT IF EXISTS deneb.lease_guard"); // leave the other tests in control
      }
    }
  }

  private static boolean readOnlyNow() throws SQLException {
    try (Connection c = root.open()) {
      return dialect.readOnlyState(c).readOnly();
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static int sessionsInState(String state) throws SQLException {
    try (Connection c = root.open()) {
      return (int) dialect.sessions(c).stream().filter(s -> state.equals(s.state())).count();
    }
  }

  private void record(String what, FenceOutcome o) {
    String line = what + ": fenced=" + o.fenced() + " in " + o.elapsed().toMillis() + " ms ("
        + (o.elapsed().toNanos() / 1000) + " us), attempts=" + o.attempts() + ", killed=" + o.killed().size()
        + ", budget=" + FENCE_LEAD.toMillis() + " ms";
    log.info(line);
    appendMeasurement(line);
  }

  private static void appendMeasurement(String line) {
    try {
      Files.writeString(Path.of("target", "fence-measurements.txt"), Instant.now() + " "
              + serverVersion + " " + line + System.lineSeparator(),
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (java.io.IOException e) {
      log.warn("could not record the measurement: {}", e.toString());
    }
  }

  static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static String scalar(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void closeQuietly(Connection... cs) {
    for (Connection c : cs) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // Killed by the fence: closing a dead connection has nothing left to release.
      }
    }
  }
}
