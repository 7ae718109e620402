package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessSupervisorTest {

  @TempDir Path dir;

  private final ProcessSupervisor supervisor = new ProcessSupervisor(Duration.ofSeconds(5));

  @AfterEach
  void closeSupervisor() {
    supervisor.close();
  }

  @Test
  void stopsAProcessByPidAndItIsGone() throws IOException {
    SupervisedProcess sleep = startSleep("sleeper");

    assertThat(sleep.pid()).isPositive();
    assertThat(ProcessHandle.of(sleep.pid())).map(ProcessHandle::isAlive).contains(true);

    supervisor.stop(sleep.pid());

    assertThat(ProcessHandle.of(sleep.pid()).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(supervisor.isAlive(sleep.pid())).isFalse();
    assertThat(supervisor.exitCode(sleep.pid())).hasValue(143); // 128 + SIGTERM
    assertThat(supervisor.processes()).isEmpty();
  }

  @Test
  void killIsSigkill() throws IOException {
    SupervisedProcess sleep = startSleep("victim");

    supervisor.kill(sleep.pid());

    assertThat(supervisor.isAlive(sleep.pid())).isFalse();
    assertThat(supervisor.exitCode(sleep.pid())).hasValue(137); // 128 + SIGKILL
  }

  @Test
  void pauseAndResumeFreezeAndThawTheProcess() throws IOException {
    assumeProcfs();
    SupervisedProcess sleep = startSleep("frozen");

    supervisor.pause(sleep.pid());
    await().atMost(Duration.ofSeconds(10)).until(() -> state(sleep.pid()), s -> s.equals("T"));

    supervisor.resume(sleep.pid());
    await().atMost(Duration.ofSeconds(10)).until(() -> state(sleep.pid()), s -> !s.equals("T"));
    assertThat(supervisor.isAlive(sleep.pid())).isTrue();
  }

  @Test
  void stopsAPausedProcessCleanlyWithSigterm() throws IOException {
    SupervisedProcess sleep = startSleep("paused-then-stopped");
    supervisor.pause(sleep.pid());

    supervisor.stop(sleep.pid());

    // SIGCONT first, so SIGTERM is delivered and the grace period is not wasted.
    assertThat(supervisor.exitCode(sleep.pid())).hasValue(143);
  }

  @Test
  void closeStopsEverythingStarted() throws IOException {
    SupervisedProcess a = startSleep("a");
    SupervisedProcess b = startSleep("b");

    supervisor.close();

    assertThat(supervisor.isAlive(a.pid())).isFalse();
    assertThat(supervisor.isAlive(b.pid())).isFalse();
    assertThatThrownBy(() -> startSleep("late")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void stopAlsoKillsDescendants() throws IOException {
    Path log = dir.resolve("shell.log");
    // The shell stays in the foreground waiting for its child, which must not be left behind.
    SupervisedProcess shell = supervisor.start(ProcessSpec.of("shell", List.of("sh", "-c", "sleep 60 & echo child=$!; wait"), log));
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains("child="));
    long child = Long.parseLong(Files.readString(log).replaceAll("(?s).*child=(\\d+).*", "$1"));

    supervisor.stop(shell.pid());

    await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(child).filter(ProcessHandle::isAlive).isEmpty());
  }

  @Test
  void childrenSeeTheParentPidAndTheirOwnEnvironmentAndOutputGoesToTheLog() throws IOException {
    Path log = dir.resolve("logs/env.log");
    ProcessSpec spec = ProcessSpec.of("env", List.of("sh", "-c", "echo parent=$DENEB_PARENT_PID extra=$EXTRA; echo oops >&2; pwd"), log)
        .withEnv("EXTRA", "yes")
        .withWorkDir(dir);

    SupervisedProcess process = supervisor.start(spec);

    assertThat(supervisor.waitForExit(process.pid(), Duration.ofSeconds(30))).hasValue(0);
    String output = Files.readString(log);
    assertThat(output)
        .contains("=== env starting at")
        .contains("parent=" + ProcessHandle.current().pid() + " extra=yes")
        .contains("oops")
        .contains(dir.toRealPath().toString());
  }

  @Test
  void refusesPidsItDidNotStart() {
    long self = ProcessHandle.current().pid();

    assertThatThrownBy(() -> supervisor.kill(self))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pid " + self + " was not started by this process supervisor");
  }

  @Test
  void namesTheCommandThatCannotStart() {
    ProcessSpec spec = ProcessSpec.of("ghost", List.of("/nonexistent/binary"), dir.resolve("ghost.log"));

    assertThatThrownBy(() -> supervisor.start(spec))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("cannot start ghost (/nonexistent/binary)");
  }

  private SupervisedProcess startSleep(String name) throws IOException {
    return supervisor.start(ProcessSpec.of(name, List.of("sleep", "60"), dir.resolve(name + ".log")));
  }

  private static void assumeProcfs() {
    assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc to read process states");
  }

  /** The one-letter state from /proc/<pid>/stat: S sleeping, T stopped, ... */
  private static String state(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // The command name, in parentheses, may contain spaces: the state follows the last ')'.
    int afterName = stat.lastIndexOf(')') + 2;
    return stat.substring(afterName, afterName + 1);
  }
}
