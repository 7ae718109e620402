package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.sandbox.DatabaseSandbox;
import dev.deneb.sandbox.JavaCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A wrong DSN, password or file stops `deneb agent` at once with a message naming the problem. */
class AgentBadInputProcessTest {
  @TempDir Path dir;

  @Test
  void wrongPasswordPortOrFieldFailFast() throws Exception {
    try (DatabaseSandbox dbs = DatabaseSandbox.start(1, dir.resolve("db"))) {
      DatabaseEndpoint admin = dbs.endpoint(1, dbs.admin());
      Result wrongPassword = run(config("wrong-password", admin.host() + ":" + admin.port(), admin.user(), "not-the-password"));
      assertThat(wrongPassword.exit()).isEqualTo(3);
      assertThat(wrongPassword.output()).contains("cannot use database").contains(admin.user()).contains("Access denied");

      int closed = dev.deneb.sandbox.Ports.freePort();
      Result wrongPort = run(config("wrong-port", "127.0.0.1:" + closed, admin.user(), admin.password()));
      assertThat(wrongPort.exit()).isEqualTo(3);
      assertThat(wrongPort.output()).contains("127.0.0.1:" + closed).contains("SQLState 08");
    }
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "cluster: orders\ncontrollers: ['127.0.0.1:1']\ndatabase: {address: '127.0.0.1:3306', user: u}\nstateDir: /tmp/x\n");
    Result missingNode = runFile(bad);
    assertThat(missingNode.exit()).isEqualTo(2);
    assertThat(missingNode.output()).contains("node: is required");
  }

  private Path config(String name, String address, String user, String password) throws Exception {
    Path d = dir.resolve(name);
    Files.createDirectories(d);
    Files.writeString(d.resolve("pw"), password);
    Path yaml = d.resolve("agent.yaml");
    Files.writeString(yaml, """
        cluster: orders
        node: db1
        controllers: ['127.0.0.1:1']
        database: {address: '%s', user: '%s', passwordFile: '%s', connectTimeout: 2s, socketTimeout: 2s}
        stateDir: '%s'
        """.formatted(address, user, d.resolve("pw"), d.resolve("state")));
    return yaml;
  }

  private record Result(int exit, String output) {}

  private Result run(Path yaml) throws Exception {
    return runFile(yaml);
  }

  private Result runFile(Path yaml) throws Exception {
    Path out = dir.resolve("out-" + System.nanoTime() + ".log");
    Process p = new ProcessBuilder(JavaCommand.deneb(List.of("agent", "--config", yaml.toString())))
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      assertThat(p.waitFor(Duration.ofSeconds(60).toSeconds(), TimeUnit.SECONDS)).as("agent exited").isTrue();
      return new Result(p.exitValue(), Files.readString(out));
    } finally {
      p.destroyForcibly();
    }
  }
}
