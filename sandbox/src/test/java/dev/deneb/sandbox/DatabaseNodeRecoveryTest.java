package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two repairs a long fault run needs, on real servers: a crashed semi-sync primary restarted
 * without the write that was still waiting for its acknowledgement, and a node rebuilt from another.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DatabaseNodeRecoveryTest {

  @TempDir static Path dir;
  private static DatabaseSandbox db;

  @BeforeAll
  static void start() throws Exception {
    db = DatabaseSandbox.start(2, dir);
    try (Connection c = root(db.node(1)).open(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE app.t (id INT PRIMARY KEY)");
      s.execute("INSERT INTO app.t VALUES (1)");
    }
  }

  @AfterAll
  static void stop() {
    if (db != null) db.close();
  }

  @Test
  @Order(1)
  void aFormerPrimaryStartedAsSuchDropsTheWriteStillWaitingForItsSemiSyncAcknowledgement() throws Exception {
    DatabaseNode primary = db.node(1);
    // Without a replica connected, every semi-sync commit waits (here for an hour).
    try (Connection c = root(db.node(2)).open(); Statement s = c.createStatement()) {
      s.execute("STOP SLAVE");
    }
    String before = waitingWrite(primary, 2);
    primary.kill();
    primary.start();
    assertThat(ids(primary)).as("a plain crash recovery commits the binlogged write").contains(2);

    before = waitingWrite(primary, 3);
    primary.kill();
    primary.startAsFormerPrimary();
    assertThat(ids(primary)).as("semi-sync replica recovery rolls it back").doesNotContain(3).contains(1, 2);
    assertThat(gtidBinlogPos(primary)).as("and truncates the binary log before it").isEqualTo(before);
    assertThat(primary.logTail(200)).contains("truncated binlog");
  }

  @Test
  @Order(2)
  void recloneRebuildsANodeFromAnotherIncludingTheHistoryItWroteItself() throws Exception {
    DatabaseNode node = db.node(1);
    DatabaseNode source = db.node(2);
    try (Connection c = root(source).open(); Statement s = c.createStatement()) {
      s.execute("START SLAVE");
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> ids(source).equals(ids(node)));
    try (Connection c = root(source).open(); Statement s = c.createStatement()) {
      s.execute("STOP SLAVE");
    }
    try (Connection c = root(node).open(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO app.t VALUES (99)"); // only this node has it
    }
    int oldServerId = node.serverId();

    // source's binary log holds db1's own writes (logged as it applied them): db1 must replay them.
    db.reclone(node, source, Duration.ofMinutes(1));

    assertThat(ids(node)).isEqualTo(ids(source)).contains(1, 2).doesNotContain(99);
    assertThat(node.serverId()).isNotEqualTo(oldServerId);
    try (Connection c = root(source).open(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO app.t VALUES (100)");
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> ids(node).contains(100));
  }

  /** Starts a commit that waits for a semi-sync acknowledgement; returns the position before it. */
  private static String waitingWrite(DatabaseNode primary, int id) throws Exception {
    String before = gtidBinlogPos(primary);
    try (Connection c = root(primary).open(); Statement s = c.createStatement()) {
      s.execute("SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC'");
      s.execute("SET GLOBAL rpl_semi_sync_master_timeout = 3600000");
      s.execute("SET GLOBAL rpl_semi_sync_master_enabled = ON");
    }
    CompletableFuture.runAsync(() -> {
      try (Connection c = root(primary).open(); Statement s = c.createStatement()) {
        s.execute("INSERT INTO app.t VALUES (" + id + ")");
      } catch (SQLException expected) {
        // The socket timeout or the kill ends it; it never commits from this client's view.
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> !gtidBinlogPos(primary).equals(before));
    return before;
  }

  private static DatabaseEndpoint root(DatabaseNode node) {
    return node.endpoint(DatabaseNode.ROOT, Duration.ofSeconds(2), Duration.ofSeconds(5));
  }

  private static String gtidBinlogPos(DatabaseNode node) throws SQLException {
    try (Connection c = root(node).open(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT @@gtid_binlog_pos")) {
      r.next();
      return r.getString(1);
    }
  }

  private static java.util.List<Integer> ids(DatabaseNode node) throws SQLException {
    java.util.List<Integer> out = new java.util.ArrayList<>();
    try (Connection c = root(node).open(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT id FROM app.t ORDER BY id")) {
      while (r.next()) out.add(r.getInt(1));
    }
    return out;
  }
}
