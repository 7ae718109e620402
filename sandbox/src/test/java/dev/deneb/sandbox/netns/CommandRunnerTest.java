package dev.deneb.sandbox.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandRunnerTest {

  @Test
  void returnsStdoutAndFeedsStdin() {
    assertThat(new CommandRunner().run(List.of("cat"), "table inet deneb\n")).isEqualTo("table inet deneb\n");
  }

  @Test
  void aFailureNamesTheCommandItsScriptAndItsOutput() {
    assertThatThrownBy(() -> new CommandRunner().run(List.of("sh", "-c", "echo 'Command failed -:2' >&2; exit 3"), "link add a\nlink add b\n"))
        .isInstanceOfSatisfying(NetnsCommandException.class, e -> {
          assertThat(e.exitCode()).isEqualTo(3);
          assertThat(e.output()).isEqualTo("Command failed -:2");
        })
        .hasMessage("`sh -c echo 'Command failed -:2' >&2; exit 3` (stdin: link add a | link add b) failed with exit code 3: Command failed -:2");
  }

  @Test
  void aMissingBinaryAndAHangAreFailuresToo() {
    assertThatThrownBy(() -> new CommandRunner().run(List.of("/nonexistent/ip", "link"))).isInstanceOf(NetnsCommandException.class)
        .hasMessageContaining("`/nonexistent/ip link` could not start");
    assertThatThrownBy(() -> new CommandRunner(Duration.ofMillis(200)).run(List.of("sleep", "30")))
        .isInstanceOf(NetnsCommandException.class).hasMessageContaining("did not finish");
  }
}
