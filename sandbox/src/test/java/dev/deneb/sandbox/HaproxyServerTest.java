package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real haproxy started from a generated config: it forwards, answers its runtime API, and stops by PID. */
class HaproxyServerTest {

  @TempDir Path dir;

  @Test
  void forwardsToItsServersAndAnswersTheRuntimeApiUntilClosed() throws IOException {
    try (NamedTcpServer db1 = new NamedTcpServer("db1")) {
      long pid;
      try (HaproxyServer haproxy = HaproxyServer.start(dir, "mysql_primary", Map.of("db1", db1.address()), false)) {
        pid = haproxy.pid();
        assertThat(greeting(haproxy.frontendPort())).isEqualTo("db1");
        assertThat(haproxy.execute("show servers state mysql_primary")).contains(" db1 ");
        assertThat(haproxy.runtimeAddress()).startsWith("127.0.0.1:");
        assertThat(haproxy.unixSocket()).exists();
        assertThat(Files.readString(haproxy.config())).contains("level admin", "listen mysql_primary");
      }
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
  }

  @Test
  void aConfigHaproxyRefusesStopsTheStartWithItsOwnWords() {
    assertThatThrownBy(() -> HaproxyServer.start(dir, "mysql_primary", Map.of("db1", "not-an-address"), false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("haproxy")
        .hasMessageContaining("did not start")
        .hasMessageContaining("not-an-address");
  }

  @Test
  void withoutABinaryItFailsNamingTheAptPackage() throws IOException {
    Path nowhere = Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> HaproxyServer.locateBinary(Map.of("PATH", nowhere.toString()), nowhere.resolve("haproxy")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no haproxy found")
        .hasMessageContaining("apt-get install haproxy");
    assertThatThrownBy(() -> HaproxyServer.locateBinary(
        Map.of(HaproxyServer.BINARY_ENV, nowhere.resolve("missing").toString()), nowhere.resolve("haproxy")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(HaproxyServer.BINARY_ENV + "=")
        .hasMessageContaining("apt-get install haproxy");
  }

  private static String greeting(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }
  }
}
