package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.fencing.dialect.IoThreadState;
import dev.deneb.fencing.dialect.ReplicationStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replica to primary links through Toxiproxy (DESIGN §6), on one supervisor shared by the
 * toxiproxy-server and the database servers.
 */
class DatabaseSandboxToxiproxyTest {

  @TempDir Path dir;

  @Test
  void cuttingOneReplicasLinkStopsOnlyThatReplicaAndRestoringItCatchesUp() throws Exception {
    Map<String, ToxiproxySandbox.Link> links = new ConcurrentHashMap<>();
    try (ProcessSupervisor supervisor = new ProcessSupervisor(Duration.ofSeconds(5));
        ToxiproxySandbox toxiproxy = ToxiproxySandbox.start(dir.resolve("toxiproxy"), supervisor)) {
      DatabaseSandboxOptions options = DatabaseSandboxOptions.defaults().withReplicationRoute((replica, source) -> {
        ToxiproxySandbox.Link link = toxiproxy.proxy(replica.id() + "-to-" + source.id(), source.hostPort());
        links.put(replica.id(), link);
        return link.socketAddress();
      });
      try (DatabaseSandbox db = DatabaseSandbox.start(3, dir.resolve("db"), options, supervisor)) {
        assertThat(links).containsOnlyKeys("db2", "db3");
        try (Connection c = db.endpoint(2, db.admin()).open()) {
          assertThat(db.dialect().replicationStatus(c).orElseThrow().sourcePort()).isEqualTo(links.get("db2").listenPort());
        }

        links.get("db2").cut();
        await("db2's receiver notices the cut").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
            .until(() -> ioThread(db, 2) == IoThreadState.CONNECTING);
        write(db, 1);
        DatabaseEndpoint db3 = db.endpoint(3, db.app());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> rows(db3) == 1);
        assertThat(rows(db.endpoint(2, db.app()))).isNotEqualTo(1);

        links.get("db2").restore();
        ReplicationStatus back = db.awaitReplicating(db.node(2), Duration.ofSeconds(15));
        assertThat(back.ioThread()).isEqualTo(IoThreadState.RUNNING);
        DatabaseEndpoint db2 = db.endpoint(2, db.app());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> rows(db2) == 1);
      }
      assertThat(supervisor.processes()).extracting(SupervisedProcess::name).containsExactly("toxiproxy-server");
    }
  }

  private static IoThreadState ioThread(DatabaseSandbox db, int node) {
    try (Connection c = db.endpoint(node, db.admin()).open()) {
      return db.dialect().replicationStatus(c).orElseThrow().ioThread();
    } catch (SQLException e) {
      return null;
    }
  }

  private static void write(DatabaseSandbox db, int node) throws SQLException {
    try (Connection c = db.endpoint(node, db.app()).open(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE app.cut (id INT PRIMARY KEY)");
      s.execute("INSERT INTO app.cut VALUES (1)");
    }
  }

  private static int rows(DatabaseEndpoint endpoint) {
    try (Connection c = endpoint.open(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM app.cut")) {
      rs.next();
      return rs.getInt(1);
    } catch (SQLException e) {
      return -1;
    }
  }
}
