package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A JVM that exits without closing its {@link ToxiproxySandbox} leaves no toxiproxy-server behind. */
class ToxiproxySandboxShutdownHookTest {

  private static final Pattern PID = Pattern.compile("toxiproxy-server pid (\\d+)");

  @TempDir Path dir;

  private long serverPid = -1;

  /** Runs in a child JVM: starts a server, says its pid, and exits without close(). */
  public static final class Child {
    public static void main(String[] args) throws IOException {
      ToxiproxySandbox toxiproxy = ToxiproxySandbox.start(Path.of(args[0]));
      System.out.println("toxiproxy-server pid " + toxiproxy.pid());
      System.out.flush();
      System.exit(0);
    }
  }

  @AfterEach
  void leaveNothingRunning() {
    // Only if the hook failed: do not let the server outlive the test run.
    if (serverPid > 0) {
      ProcessHandle.of(serverPid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void theSupervisorsShutdownHookStopsTheServer() throws Exception {
    List<String> command = List.of(JavaCommand.javaBinary(System.getProperties()).toString(),
        "-cp", JavaCommand.absolute(JavaCommand.classpath(System.getProperties())),
        Child.class.getName(), dir.toString());
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    child.getOutputStream().close();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child JVM exited").isTrue();
    assertThat(child.exitValue()).as("child exit code; output:\n" + output).isZero();

    Matcher pid = PID.matcher(output);
    assertThat(pid.find()).as("child output names the server pid:\n" + output).isTrue();
    serverPid = Long.parseLong(pid.group(1));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(serverPid).filter(ProcessHandle::isAlive).isEmpty());
  }
}
