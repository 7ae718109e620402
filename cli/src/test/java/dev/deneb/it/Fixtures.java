package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.fencing.dialect.ReadOnlyLevel;
import dev.deneb.sandbox.ControllerGroupSandbox;
import dev.deneb.sandbox.DatabaseSandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** Set-up and probes shared by the process-level tests. */
final class Fixtures {
  private Fixtures() {}

  /**
   * Creates {@code orders} with {@code settingsJson} fields (may be empty) and registers every sandbox
   * node. Automatic failover is off: these tests exercise one agent's lease and fencing on their own
   * (often with a single database), where a lapsed lease would otherwise start a failover with no
   * candidate and hold the primary's renewals back. Failover has its own tests (HaEnvironment).
   */
  static void createCluster(Api api, DatabaseSandbox dbs, String settingsJson) throws Exception {
    String body = "{\"name\":\"orders\",\"autoFailover\":false" + (settingsJson.isEmpty() ? "" : "," + settingsJson) + "}";
    assertThat(api.post("/v1/clusters", body).status()).isEqualTo(201);
    for (int i = 1; i <= dbs.size(); i++) {
      assertThat(api.post("/v1/clusters/orders/nodes", "{\"node\":\"" + dbs.node(i).id() + "\",\"host\":\"127.0.0.1\",\"port\":"
          + dbs.node(i).port() + "}").status()).isEqualTo(201);
    }
  }

  static void bootstrap(Api api, String primary) throws Exception {
    Api.Response r = api.post("/v1/clusters/orders/bootstrap", "{\"primary\":\"" + primary + "\"}");
    assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
  }

  /**
   * Creates {@code app.writes} on db1 and sets db1 read-only: the sandbox starts it writable, and a
   * test must see the agent make it writable, not the sandbox.
   */
  static void prepareWrites(DatabaseSandbox dbs) throws SQLException {
    try (Connection c = dbs.endpoint(1, dbs.root()).open(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS app.writes (id BIGINT AUTO_INCREMENT PRIMARY KEY)");
      dbs.dialect().setReadOnlyLevel(c, ReadOnlyLevel.READ_ONLY);
    }
    assertThat(tryWrite(dbs.endpoint(1, dbs.app()))).isFalse();
  }

  /** One application write: the only test of "accepts writes" that cannot lie. */
  static boolean tryWrite(DatabaseEndpoint app) {
    try (Connection c = app.open(); Statement s = c.createStatement()) {
      s.executeUpdate(s.getConnection().getMetaData().getColumns(null, "app", "writes", "node").next()
          ? "INSERT INTO app.writes (id, node, epoch) VALUES (" + System.nanoTime() + ", 'probe', 0)"
          : "INSERT INTO app.writes () VALUES ()");
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  static List<String> agentAddresses(ControllerGroupSandbox group) {
    return group.memberIds().stream().map(id -> group.member(id).agentAddress()).toList();
  }

  static boolean anyLogContains(ControllerGroupSandbox group, String text) throws IOException {
    for (String id : group.memberIds()) {
      if (Files.readString(group.logOf(id)).contains(text)) return true;
    }
    return false;
  }

  static List<String> tail(Path log, int n) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return lines.subList(Math.max(0, lines.size() - n), lines.size());
  }

  /** Measured figures land in target/it-measurements.txt for the issue notes. */
  static void record(String line) throws IOException {
    System.out.println(line);
    Files.writeString(Path.of("target", "it-measurements.txt"), line + "\n", StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
