package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.fencing.dialect.SqlErrors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Process faults on real servers: SIGKILL and restart, SIGSTOP and SIGCONT. */
class DatabaseNodeFaultTest {

  private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

  @TempDir static Path dir;
  private static DatabaseSandbox db;

  @BeforeAll
  static void start() throws Exception {
    db = DatabaseSandbox.start(3, dir, DatabaseSandboxOptions.defaults().withTimeouts(CONNECT_TIMEOUT, SOCKET_TIMEOUT));
    System.out.println("DatabaseSandbox.start(3): " + db.startupTime().toMillis() + " ms");
  }

  @AfterAll
  static void stop() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void aPrimaryKilledWithSigkillRestartsReadOnlyWithItsDataAndPort() throws Exception {
    DatabaseNode primary = db.node(1);
    try (Connection c = db.endpoint(primary, db.app()).open(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE app.durable (id INT PRIMARY KEY)");
      s.execute("INSERT INTO app.durable VALUES (42)");
    }
    long pid = primary.pid();
    int port = primary.port();

    primary.kill();
    assertThat(ProcessHandle.of(pid)).isEmpty();
    assertThat(primary.isRunning()).isFalse();
    primary.start();

    assertThat(primary.pid()).isNotEqualTo(pid);
    assertThat(primary.port()).isEqualTo(port);
    try (Connection c = db.endpoint(primary, db.admin()).open()) {
      assertThat(db.dialect().readOnlyState(c).readOnly()).as("read_only after a crash restart").isTrue();
    }
    try (Connection c = db.endpoint(primary, db.app()).open(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT id FROM app.durable")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(42);
      }
      assertThatThrownBy(() -> s.execute("INSERT INTO app.durable VALUES (43)"))
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(SqlErrors.READ_ONLY_REFUSED));
    }
    // The replicas' receivers retry every second and find the same port again.
    db.awaitReplicating(db.node(2), Duration.ofSeconds(30));
    db.awaitReplicating(db.node(3), Duration.ofSeconds(30));
  }

  @Test
  void aSigstoppedServerFailsAQueryWithinTheSocketTimeoutInsteadOfHanging() throws Exception {
    DatabaseNode replica = db.node(2);
    DatabaseEndpoint app = db.endpoint(replica, db.app());
    assertThat(app.socketTimeout()).isEqualTo(SOCKET_TIMEOUT);
    try (Connection c = app.open(); Statement s = c.createStatement()) {
      replica.pause();
      try {
        long began = System.nanoTime();
        assertThatThrownBy(() -> s.executeQuery("SELECT 1"))
            .isInstanceOfSatisfying(SQLException.class, e -> assertThat(SqlErrors.isConnectionFailure(e)).isTrue());
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        System.out.println("query on a SIGSTOPped server failed after " + took.toMillis() + " ms (socketTimeout "
            + SOCKET_TIMEOUT.toMillis() + " ms)");
        assertThat(took).isGreaterThanOrEqualTo(SOCKET_TIMEOUT.minusMillis(50)).isLessThan(SOCKET_TIMEOUT.plusSeconds(2));

        // A new login is accepted by the kernel, then never answered: bounded as well.
        long loginBegan = System.nanoTime();
        assertThatThrownBy(app::open)
            .isInstanceOfSatisfying(SQLException.class, e -> assertThat(SqlErrors.isConnectionFailure(e)).isTrue());
        Duration loginTook = Duration.ofNanos(System.nanoTime() - loginBegan);
        System.out.println("login to a SIGSTOPped server failed after " + loginTook.toMillis() + " ms");
        assertThat(loginTook).isLessThan(CONNECT_TIMEOUT.plus(SOCKET_TIMEOUT).plusSeconds(2));
      } finally {
        replica.resume();
      }
    }
    await("db2 answers after SIGCONT").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> answers(app));
  }

  private static boolean answers(DatabaseEndpoint endpoint) {
    try (Connection c = endpoint.open()) {
      return c.isValid(1);
    } catch (SQLException e) {
      return false;
    }
  }
}
