package dev.deneb.jepsen.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.sandbox.DatabaseSandbox;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real MariaDB server: a client write learns its GTID from the commit's own OK packet, so a
 * connection that dies right after the commit (kill-host, a fence on resume) still leaves the write
 * attributable to the quarantine or lost-GTID report that covers it (S4 in async mode).
 */
class ClientWorkerGtidTest {
  @TempDir Path dir;

  @Test
  void theCommitItselfCarriesItsGtid() throws Exception {
    try (DatabaseSandbox db = DatabaseSandbox.start(1, dir);
        Connection c = ClientWorker.openTracking(db.endpoint(db.node(1), db.app()))) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE app.gtid_test (id BIGINT PRIMARY KEY)");
      }
      String[] seen = new String[2];
      for (int i = 0; i < 2; i++) {
        try (Statement s = c.createStatement()) {
          s.executeUpdate("INSERT INTO app.gtid_test (id) VALUES (" + i + ")");
        }
        seen[i] = ClientWorker.trackedGtid(c);
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT @@last_gtid")) {
          r.next();
          assertThat(seen[i]).as("write %d", i).isNotNull().isEqualTo(r.getString(1));
        }
      }
      assertThat(seen[1]).isNotEqualTo(seen[0]);
      // A statement that commits nothing reports no GTID: the last write's is never reused.
      try (Statement s = c.createStatement()) {
        s.execute("DO 1");
      }
      assertThat(ClientWorker.trackedGtid(c)).isNull();
    }
  }
}
