package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.fencing.dialect.ReplicationStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up failures, shutdown by PID, and replication through a caller-chosen route. */
class DatabaseSandboxLifecycleTest {

  @TempDir Path dir;

  @Test
  void closeStopsEveryServerByPidEvenAPausedOne() throws IOException {
    List<Long> pids;
    try (DatabaseSandbox db = DatabaseSandbox.start(2, dir)) {
      pids = db.nodes().stream().map(DatabaseNode::pid).toList();
      db.node(2).pause();
    }
    assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isEmpty());
  }

  @Test
  void aServerThatCannotStartFailsTheStartWithItsLogAndLeavesNothingRunning() {
    DatabaseSandboxOptions bad = DatabaseSandboxOptions.defaults().withServerOption("no_such_option", "1");
    assertThatThrownBy(() -> DatabaseSandbox.start(2, dir, bad))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exited with code")
        .hasMessageContaining("unknown variable 'no_such_option=1'");
    assertThat(ProcessHandle.current().descendants().filter(p -> p.info().command().orElse("").endsWith("mariadbd")))
        .isEmpty();
  }

  @Test
  void aPortTakenBeforeTheFirstStartIsReplacedByAFreeOne() throws IOException {
    MariaDbBinary binary = MariaDbBinary.locate();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ProcessSupervisor supervisor = new ProcessSupervisor()) {
      DatabaseNode node = new DatabaseNode("db1", 1, taken.getLocalPort(), dir.resolve("db1"), binary, supervisor,
          Duration.ofSeconds(60), Map.of());
      node.initialise(binary.dataDirTemplate());

      node.start();

      assertThat(node.port()).isNotEqualTo(taken.getLocalPort());
      assertThat(Files.readString(node.optionFile())).contains("port=" + node.port());
      assertThat(Files.readString(node.log())).contains("Address already in use");
      int port = node.port();
      node.restart();
      assertThat(node.port()).isEqualTo(port);
    }
  }

  @Test
  void aStartNeedsAFreshDirectory() throws IOException {
    try (DatabaseSandbox db = DatabaseSandbox.start(1, dir)) {
      assertThat(db.node(1).dataDir().resolve("mysql")).isDirectory();
    }
    assertThatThrownBy(() -> DatabaseSandbox.start(1, dir))
        .hasMessage(dir.toAbsolutePath().resolve("db1/data") + " exists already; a database sandbox starts in a fresh directory");
  }

  @Test
  void eachReplicaReplicatesThroughTheAddressTheRouteGives() throws Exception {
    try (Relay relay = new Relay()) {
      DatabaseSandboxOptions options = DatabaseSandboxOptions.defaults()
          .withReplicationRoute((replica, source) -> relay.forwardTo(source.address()));
      try (DatabaseSandbox db = DatabaseSandbox.start(2, dir, options)) {
        ReplicationStatus status = db.awaitReplicating(db.node(2), Duration.ofSeconds(10));
        assertThat(status.sourcePort()).isEqualTo(relay.port()).isNotEqualTo(db.node(1).port());
        assertThat(relay.connections.get()).isPositive();

        try (Connection c = db.endpoint(1, db.app()).open(); Statement s = c.createStatement()) {
          s.execute("CREATE TABLE app.routed (id INT PRIMARY KEY)");
          s.execute("INSERT INTO app.routed VALUES (1)");
        }
        DatabaseEndpoint replica = db.endpoint(2, db.app());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> rows(replica) == 1);
      }
    }
  }

  private static int rows(DatabaseEndpoint endpoint) {
    try (Connection c = endpoint.open(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM app.routed")) {
      rs.next();
      return rs.getInt(1);
    } catch (SQLException e) {
      return -1;
    }
  }

  /** A minimal TCP relay on 127.0.0.1, standing in for a Toxiproxy proxy. */
  private static final class Relay implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final AtomicInteger connections = new AtomicInteger();
    final List<Socket> sockets = new CopyOnWriteArrayList<>();
    volatile InetSocketAddress upstream;

    Relay() throws IOException {
      Thread accept = new Thread(() -> {
        while (!server.isClosed()) {
          Socket in;
          try {
            in = server.accept();
          } catch (IOException e) {
            return; // closed
          }
          try {
            Socket out = new Socket(upstream.getAddress(), upstream.getPort());
            sockets.add(in);
            sockets.add(out);
            connections.incrementAndGet();
            pump(in, out);
            pump(out, in);
          } catch (IOException e) {
            // Upstream down: hang up, as Toxiproxy does, so the replica retries (a socket left open
            // would hold its receiver, and with it a clean shutdown, for slave_net_timeout).
            try {
              in.close();
            } catch (IOException ignored) {
              // already closed
            }
          }
        }
      }, "relay-accept");
      accept.setDaemon(true);
      accept.start();
    }

    InetSocketAddress forwardTo(InetSocketAddress to) {
      upstream = to;
      return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    int port() {
      return server.getLocalPort();
    }

    private static void pump(Socket from, Socket to) {
      Thread t = new Thread(() -> {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
          in.transferTo(out);
        } catch (IOException e) {
          // either side closed
        } finally {
          try {
            to.close();
          } catch (IOException ignored) {
            // already closed
          }
        }
      }, "relay-pump");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }
}
