package dev.deneb.controller.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.deneb.controller.discovery.DiscoveryException;
import dev.deneb.controller.discovery.Publication;
import dev.deneb.controller.discovery.Publication.Endpoint;
import dev.deneb.protocol.config.HostPort;
import dev.deneb.sandbox.HaproxyServer;
import dev.deneb.sandbox.NamedTcpServer;
import dev.deneb.sandbox.Ports;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HaproxyBackend} against a real haproxy with three tiny TCP servers behind it that greet
 * with their names: the thing under test is what HAProxy does with the runtime API commands.
 */
@Timeout(120)
class HaproxyBackendTest {
  private static final String BACKEND = "mysql_primary";

  @TempDir Path dir;
  private final List<NamedTcpServer> nodes = new java.util.ArrayList<>();
  private HaproxyServer haproxy;

  @BeforeEach
  void start() throws IOException {
    Map<String, String> servers = new LinkedHashMap<>();
    for (String name : List.of("db1", "db2", "db3")) {
      NamedTcpServer node = new NamedTcpServer(name);
      nodes.add(node);
      servers.put(name, node.address());
    }
    haproxy = HaproxyServer.start(dir, BACKEND, servers, false);
  }

  @AfterEach
  void stop() throws IOException {
    if (haproxy != null) {
      haproxy.close();
    }
    for (NamedTcpServer node : nodes) {
      node.close();
    }
  }

  @Test
  void afterPublishEveryNewClientReachesTheNewPrimary() throws Exception {
    HaproxyBackend backend = new HaproxyBackend(settings(haproxy.runtimeAddress(), Map.of()));

    backend.publish(publication(2, "db2"));

    for (int i = 0; i < 10; i++) {
      assertThat(greetingThroughProxy()).isEqualTo("db2");
    }
    assertThat(state()).contains(" db1 127.0.0.1 0 1 ", " db3 127.0.0.1 0 1 ");
  }

  @Test
  void aClientStillConnectedToTheOldPrimaryIsCut() throws Exception {
    HaproxyBackend backend = new HaproxyBackend(settings(haproxy.runtimeAddress(), Map.of()));
    backend.publish(publication(1, "db1"));
    try (Socket old = new Socket("127.0.0.1", haproxy.frontendPort())) {
      BufferedReader in = reader(old);
      assertThat(in.readLine()).isEqualTo("db1");
      await().until(() -> nodes.get(0).openConnections() == 1);

      backend.publish(publication(2, "db2"));

      // shutdown sessions closes both sides: the client reads end-of-stream (or a reset).
      assertThat(readUntilClosed(in)).isTrue();
      await().until(() -> nodes.get(0).openConnections() == 0);
      assertThat(greetingThroughProxy()).isEqualTo("db2");
    }
  }

  @Test
  void republishingIsIdempotentAndKeepsTheNewPrimarysSessions() throws Exception {
    HaproxyBackend backend = new HaproxyBackend(settings(haproxy.runtimeAddress(), Map.of()));
    backend.publish(publication(2, "db2"));
    String before = stateWithoutTimes();
    try (Socket client = new Socket("127.0.0.1", haproxy.frontendPort())) {
      BufferedReader in = reader(client);
      assertThat(in.readLine()).isEqualTo("db2");

      backend.publish(publication(2, "db2"));
      backend.publish(publication(2, "db2"));

      assertThat(stateWithoutTimes()).isEqualTo(before);
      assertThat(nodes.get(1).openConnections()).isEqualTo(1);
      client.getOutputStream().write("still here\n".getBytes(StandardCharsets.UTF_8));
      assertThat(greetingThroughProxy()).isEqualTo("db2");
    }
  }

  @Test
  void nodesMapToServerNamesAndTheUnixSocketWorksToo() throws Exception {
    // Node "mariadb-b" is HAProxy's server db3.
    HaproxyBackend backend = new HaproxyBackend(settings("unix:" + haproxy.unixSocket(), Map.of("mariadb-b", "db3")));

    backend.publish(publication(4, "mariadb-b"));

    assertThat(greetingThroughProxy()).isEqualTo("db3");
  }

  @Test
  void aNewPrimaryItsHealthCheckSeesDownIsNotConfirmed() throws Exception {
    try (HaproxyServer checked = HaproxyServer.start(dir.resolve("checked"), BACKEND,
        Map.of("db1", nodes.get(0).address(), "db2", nodes.get(1).address()), true)) {
      nodes.get(1).close();
      await().until(() -> checked.execute("show servers state " + BACKEND).contains(" db2 127.0.0.1 0 "));
      HaproxySettings s = new HaproxySettings(RuntimeApiAddress.parse(checked.runtimeAddress()), BACKEND, "shop",
          Map.of(), Duration.ofSeconds(1));

      assertThatThrownBy(() -> new HaproxyBackend(s).publish(publication(2, "db2")))
          .isInstanceOf(DiscoveryException.class)
          .hasMessageContaining("server db2 (op state 0")
          .hasMessageContaining("health check says it is down");
    }
  }

  @Test
  void anotherClustersPublicationChangesNothing() throws Exception {
    HaproxyBackend backend = new HaproxyBackend(settings(haproxy.runtimeAddress(), Map.of()));
    backend.publish(publication(1, "db1"));
    String before = stateWithoutTimes();

    backend.publish(new Publication("billing", 9, 8, new Endpoint("db3", "127.0.0.1", 3306), Optional.empty(), List.of()));

    assertThat(stateWithoutTimes()).isEqualTo(before);
  }

  @Test
  void aServerHaproxyDoesNotKnowIsNamedInTheError() {
    HaproxyBackend backend = new HaproxyBackend(settings(haproxy.runtimeAddress(), Map.of("db2", "db2-typo")));

    assertThatThrownBy(() -> backend.publish(publication(2, "db2")))
        .isInstanceOf(DiscoveryException.class)
        .hasMessageContaining("db2-typo")
        .hasMessageContaining(BACKEND)
        .hasMessageContaining("db1, db2, db3")
        .satisfies(e -> assertThat(((DiscoveryException) e).refused()).isFalse());
  }

  @Test
  void anUnknownBackendIsNamedWithHaproxysReply() {
    HaproxySettings s = new HaproxySettings(RuntimeApiAddress.parse(haproxy.runtimeAddress()), "no_such_backend",
        "shop", Map.of(), Duration.ofSeconds(2));

    assertThatThrownBy(() -> new HaproxyBackend(s).publish(publication(2, "db2")))
        .isInstanceOf(DiscoveryException.class)
        .hasMessageContaining("show servers state no_such_backend")
        .hasMessageContaining("Can't find backend");
  }

  @Test
  void aRefusingRuntimePortIsAConnectionErrorNamingTheAddress() {
    String closed = "127.0.0.1:" + Ports.freePort();
    HaproxyBackend backend = new HaproxyBackend(settings(closed, Map.of()));

    assertThatThrownBy(() -> backend.publish(publication(2, "db2")))
        .isInstanceOf(DiscoveryException.class)
        .hasMessageContaining(closed)
        .hasMessageContaining("Connection refused")
        .hasMessageContaining("stats socket");
  }

  @Test
  void aRuntimePortThatNeverAnswersTimesOut() throws Exception {
    // Accepts connections (the kernel's backlog does) and never replies, like a frozen HAProxy.
    try (ServerSocket silent = new ServerSocket()) {
      silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      HaproxySettings s = new HaproxySettings(new RuntimeApiAddress.Tcp(new HostPort("127.0.0.1", silent.getLocalPort())),
          BACKEND, "shop", Map.of(), Duration.ofMillis(300));

      assertThatThrownBy(() -> new HaproxyBackend(s).publish(publication(2, "db2")))
          .isInstanceOf(DiscoveryException.class)
          .hasMessageContaining("timed out waiting for the reply to 'show servers state " + BACKEND + "'");
    }
  }

  private HaproxySettings settings(String runtimeApi, Map<String, String> servers) {
    return new HaproxySettings(RuntimeApiAddress.parse(runtimeApi), BACKEND, "shop", servers, Duration.ofSeconds(2));
  }

  private static Publication publication(long epoch, String node) {
    return new Publication("shop", epoch, epoch - 1, new Endpoint(node, "127.0.0.1", 3306), Optional.empty(), List.of());
  }

  private String greetingThroughProxy() throws IOException {
    try (Socket s = new Socket("127.0.0.1", haproxy.frontendPort())) {
      return reader(s).readLine();
    }
  }

  private static BufferedReader reader(Socket s) throws IOException {
    s.setSoTimeout(10_000);
    return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
  }

  /** True once the peer closed: end-of-stream or a reset; a read timeout fails the test. */
  private static boolean readUntilClosed(BufferedReader in) throws IOException {
    try {
      while (in.readLine() != null) {
        // nothing else is sent; keep reading until the proxy closes
      }
      return true;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  private String state() throws IOException {
    return haproxy.execute("show servers state " + BACKEND);
  }

  /** The state rows without srv_time_since_last_change (column 10), which moves by itself. */
  private String stateWithoutTimes() throws IOException {
    StringBuilder out = new StringBuilder();
    for (String line : state().lines().toList()) {
      String[] f = line.split(" ");
      if (f.length > 10 && !line.startsWith("#")) {
        f[9] = "-";
      }
      out.append(String.join(" ", f)).append('\n');
    }
    return out.toString();
  }
}
