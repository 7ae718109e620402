package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.sandbox.JavaCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An invalid controller.yaml stops the real process with exit code 2 and a message naming the field. */
class InvalidConfigProcessTest {
  @TempDir Path dir;

  @Test
  void aBadFieldStopsTheControllerNamingIt() throws Exception {
    Path config = dir.resolve("controller.yaml");
    Files.writeString(config, """
        id: c1
        dataDir: %s
        peers:
          - {id: c1, raft: "127.0.0.1:not-a-port", http: "127.0.0.1:18999"}
        """.formatted(dir.resolve("data")));
    Result r = run(List.of("controller", "--config", config.toString()));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.output()).contains("peers[0].raft").contains("is not a port number");
    assertThat(dir.resolve("data")).doesNotExist();
  }

  @Test
  void aMissingFileIsNamed() throws Exception {
    Result r = run(List.of("controller", "--config", dir.resolve("absent.yaml").toString()));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.output()).contains("absent.yaml").contains("cannot be read");
  }

  private record Result(int exit, String output) {}

  private Result run(List<String> args) throws Exception {
    Path out = dir.resolve("out-" + System.nanoTime() + ".log");
    Process p = new ProcessBuilder(JavaCommand.deneb(args)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("controller exited").isTrue();
      return new Result(p.exitValue(), Files.readString(out));
    } finally {
      p.destroyForcibly();
    }
  }
}
