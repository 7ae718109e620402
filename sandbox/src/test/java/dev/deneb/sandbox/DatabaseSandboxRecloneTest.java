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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repair of a quarantined node, on real servers: a node rebuilt as a copy of another. */
class DatabaseSandboxRecloneTest {

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
  void recloneRebuildsANodeFromAnotherIncludingTheHistoryItWroteItself() throws Exception {
    DatabaseNode node = db.node(1);
    DatabaseNode source = db.node(2);
    try (Connection c = root(node).open(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO app.t VALUES (2)");
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

  private static DatabaseEndpoint root(DatabaseNode node) {
    return node.endpoint(DatabaseNode.ROOT, Duration.ofSeconds(2), Duration.ofSeconds(5));
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
