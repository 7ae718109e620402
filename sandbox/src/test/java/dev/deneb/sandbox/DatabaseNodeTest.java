package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What can be checked without a running server; DatabaseSandboxTest runs real ones. */
class DatabaseNodeTest {

  @TempDir Path dir;

  @Test
  void theOptionFileMakesEveryStartReadOnlyWithGtidBinlogsAndTheEventScheduler() {
    MariaDbBinary binary = new MariaDbBinary(Path.of("/opt/mariadb"), Path.of("/opt/mariadb/bin/mariadbd"),
        Path.of("/opt/mariadb/scripts/mariadb-install-db"), Path.of("/opt/mariadb/share"), "11.4.5-MariaDB", dir);
    try (ProcessSupervisor supervisor = new ProcessSupervisor()) {
      DatabaseNode node = new DatabaseNode("db2", 2, 40123, dir.resolve("db2"), binary, supervisor, Duration.ofSeconds(5),
          Map.of("slave_net_timeout", "5", "innodb_buffer_pool_size", "32M"));

      String cnf = node.optionFileText();

      assertThat(cnf.lines()).startsWith("# Written by the Deneb sandbox for db2; mariadbd reads only this file (--defaults-file).", "[mariadbd]")
          .contains("read_only=ON", "event_scheduler=ON", "log_bin=mariadb-bin", "log_slave_updates=ON", "binlog_format=ROW",
              "server_id=2", "gtid_domain_id=0", "port=40123", "bind_address=127.0.0.1", "skip_ssl", "skip_name_resolve",
              "datadir=" + dir.resolve("db2/data"), "pid_file=" + dir.resolve("db2/mariadbd.pid"),
              "lc_messages_dir=/opt/mariadb/share", "slave_net_timeout=5");
      // Extra options come last, so they win over the sandbox's own.
      assertThat(cnf.lastIndexOf("innodb_buffer_pool_size=32M")).isGreaterThan(cnf.indexOf("innodb_buffer_pool_size=64M"));
      assertThat(node.hostPort()).isEqualTo("127.0.0.1:40123");
      assertThat(node.endpoint(new DatabaseAccount("app", "pw"), Duration.ofSeconds(1), Duration.ofSeconds(3)).jdbcUrl())
          .isEqualTo("jdbc:mysql://127.0.0.1:40123/");
      assertThat(node.isRunning()).isFalse();
      assertThatThrownBy(node::kill).hasMessage("db2 was never started");
    }
  }

  @Test
  void optionsAreValidated() {
    assertThatThrownBy(() -> DatabaseSandboxOptions.defaults().withServerOption("bad name", "1"))
        .hasMessage("serverOptions: 'bad name' is not a server option name");
    assertThatThrownBy(() -> DatabaseSandboxOptions.defaults().withServerOption("log_bin", "a\nread_only=OFF"))
        .hasMessage("serverOptions: the value of log_bin contains a line break");
    assertThatThrownBy(() -> DatabaseSandboxOptions.defaults().withTimeouts(Duration.ofSeconds(1), Duration.ZERO))
        .hasMessage("socketTimeout: must be at least 1 ms, got PT0S");
    assertThat(new DatabaseAccount("app", "secret").toString()).doesNotContain("secret");
  }
}
