package dev.deneb.controller.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.controller.discovery.DiscoveryException;
import dev.deneb.controller.discovery.Publication;
import dev.deneb.controller.discovery.Publication.Endpoint;
import dev.deneb.protocol.config.HostPort;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a failed publication says when the last state poll itself runs out of time. A scripted
 * runtime API (answers, then goes silent) makes the timing deterministic; what real HAProxy does with
 * the commands is {@link HaproxyBackendTest}'s subject.
 */
@Timeout(30)
class HaproxyBackendDiagnosisTest {
  private static final String STATE = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state\n"
      + "2 mysql_primary 1 db1 127.0.0.1 2 1\n"
      + "2 mysql_primary 2 db2 127.0.0.1 0 0\n\n";

  @Test
  void aDownPrimaryIsReportedEvenWhenTheLastPollTimesOut() throws Exception {
    // Two state polls answered (before and after the commands), then silence: the third poll times
    // out. Found by CI on a loaded host, where the deadline passed while the last poll connected.
    try (ScriptedRuntimeApi api = new ScriptedRuntimeApi(2)) {
      HaproxySettings s = new HaproxySettings(new RuntimeApiAddress.Tcp(new HostPort("127.0.0.1", api.port())),
          "mysql_primary", "shop", Map.of(), Duration.ofMillis(400));

      assertThatThrownBy(() -> new HaproxyBackend(s).publish(
          new Publication("shop", 2, 1, new Endpoint("db2", "127.0.0.1", 3306), Optional.empty(), List.of())))
          .isInstanceOf(DiscoveryException.class)
          .hasMessageContaining("server db2 (op state 0")
          .hasMessageContaining("health check says it is down")
          .hasRootCauseMessage("timed out waiting for the reply to 'show servers state mysql_primary'");
    }
  }

  @Test
  void aTimeoutBeforeAnyStateIsSeenStaysATimeout() throws Exception {
    try (ScriptedRuntimeApi api = new ScriptedRuntimeApi(0)) {
      HaproxySettings s = new HaproxySettings(new RuntimeApiAddress.Tcp(new HostPort("127.0.0.1", api.port())),
          "mysql_primary", "shop", Map.of(), Duration.ofMillis(300));

      assertThatThrownBy(() -> new HaproxyBackend(s).publish(
          new Publication("shop", 2, 1, new Endpoint("db2", "127.0.0.1", 3306), Optional.empty(), List.of())))
          .isInstanceOf(DiscoveryException.class)
          .hasMessageContaining("timed out waiting for the reply to 'show servers state mysql_primary'");
    }
  }

  /** Answers {@code show servers state} {@code answeredPolls} times with {@link #STATE}, other commands with nothing. */
  private static final class ScriptedRuntimeApi implements AutoCloseable {
    private final ServerSocket server = new ServerSocket();
    private final List<Socket> silent = new ArrayList<>();
    private final AtomicInteger polls = new AtomicInteger();
    private final Thread loop;

    ScriptedRuntimeApi(int answeredPolls) throws IOException {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      loop = new Thread(() -> serve(answeredPolls), "scripted-runtime-api");
      loop.setDaemon(true);
      loop.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve(int answeredPolls) {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          String command = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
          boolean poll = command != null && command.startsWith("show servers state");
          if (poll && polls.incrementAndGet() > answeredPolls) {
            synchronized (silent) {
              silent.add(s); // keep it open and say nothing, like a frozen HAProxy
            }
            continue;
          }
          try (s; OutputStream out = s.getOutputStream()) {
            out.write((poll ? STATE : "").getBytes(StandardCharsets.UTF_8));
          }
        } catch (IOException closed) {
          return;
        }
      }
    }

    @Override
    public void close() throws Exception {
      server.close();
      synchronized (silent) {
        for (Socket s : silent) {
          s.close();
        }
      }
      loop.join(5_000);
    }
  }
}
