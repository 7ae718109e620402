package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.sandbox.JavaCommand;
import dev.deneb.sandbox.ProcessSpec;
import dev.deneb.sandbox.ProcessSupervisor;
import dev.deneb.sandbox.SupervisedProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deneb demo} as a user runs it (issue 5, Done when 4), as a child process without a
 * terminal: its scripted failover end to end, then a clean exit; and Ctrl-C (SIGINT) in the middle.
 * Either way no process it started may survive it — checked by the PIDs it printed and by any
 * process whose command line names its directory.
 */
class DemoProcessTest {
  private static final Duration RUN = Duration.ofMinutes(5);
  private static final Pattern PID = Pattern.compile("pid (\\d+)");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void scriptedFailoverEndToEndThenCleanExit() throws Exception {
    Path home = dir.resolve("demo");
    try (ProcessSupervisor supervisor = new ProcessSupervisor(Duration.ofSeconds(60))) {
      SupervisedProcess demo = supervisor.start(ProcessSpec.of("deneb demo",
          JavaCommand.deneb(List.of("demo", "--script-only", "--steady-seconds", "3", "--dir", home.toString())),
          dir.resolve("demo.out")));
      OptionalInt exit = supervisor.waitForExit(demo.pid(), RUN);
      String out = Files.readString(demo.log(), StandardCharsets.UTF_8);
      assertThat(exit).as("demo exit code; output:\n" + out).hasValue(0);

      assertThat(out).contains("started: controller c1 pid", "mysqld db1 pid", "agent db1 pid");
      assertThat(out).contains("ready: epoch 1, primary db1");
      assertThat(out).containsPattern("\\+0 ms  SIGKILL mysqld of primary db1 \\(pid \\d+\\)");
      assertThat(out).contains("failover to epoch 2 begun, from db1 (automatic): PRIMARY_MYSQLD_DOWN");
      for (String step : List.of("fenced", "candidate_chosen", "promoted", "discovery_published", "repointed")) {
        assertThat(out).as("workflow step " + step).containsPattern("ms  step " + step + " ");
      }
      assertThat(out).containsPattern("epoch 2 committed: primary db[23]");
      assertThat(out).contains("failover to epoch 2 complete");
      assertThat(out).containsPattern("client-observed write gap \\d+ ms");
      assertThat(out).containsPattern("db1 (rejoined as a replica of db[23]|quarantined: it holds transactions)");
      assertThat(out).contains("scripted failover done", "stopped every process the demo started");
      record(out);
      assertNothingLeft(out, home);
    }
  }

  @Test
  void ctrlCStopsEverythingItStarted() throws Exception {
    Path home = dir.resolve("demo");
    try (ProcessSupervisor supervisor = new ProcessSupervisor(Duration.ofSeconds(60))) {
      SupervisedProcess demo = supervisor.start(ProcessSpec.of("deneb demo",
          JavaCommand.deneb(List.of("demo", "--steady-seconds", "600", "--dir", home.toString())), dir.resolve("demo.out")));
      await().atMost(RUN).until(() -> Files.readString(demo.log()).contains("steady: writing through primary"));
      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(demo.pid())).inheritIO().start();
      assertThat(kill.waitFor()).as("kill -INT exit code").isZero();
      OptionalInt exit = supervisor.waitForExit(demo.pid(), Duration.ofSeconds(90));
      String out = Files.readString(demo.log(), StandardCharsets.UTF_8);
      // 130: what the JVM reports for SIGINT once the shutdown hooks have run.
      assertThat(exit).as("demo exit code; output:\n" + out).hasValue(130);
      assertThat(out).contains("Ctrl-C: stopping", "stopped every process the demo started");
      assertNothingLeft(out, home);
    }
  }

  /** Every PID the demo printed is gone, and no process's command line names the demo's directory. */
  private static void assertNothingLeft(String out, Path home) throws IOException, InterruptedException {
    List<Long> alive = new ArrayList<>();
    Matcher m = PID.matcher(out);
    while (m.find()) {
      long pid = Long.parseLong(m.group(1));
      ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(p -> alive.add(pid));
    }
    assertThat(alive).as("PIDs the demo printed that are still running").isEmpty();
    Process pgrep = new ProcessBuilder("pgrep", "-af", home.toString()).redirectErrorStream(true).start();
    String found = new String(pgrep.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    pgrep.waitFor();
    assertThat(found).as("processes naming " + home).isBlank();
  }

  /** The timings the demo printed, for the measurements file (never asserted: the machine is shared). */
  private static void record(String out) throws IOException {
    Matcher gap = Pattern.compile("first write acknowledged (\\d+) ms after the fault; client-observed write gap (\\d+) ms").matcher(out);
    Matcher done = Pattern.compile("\\+\\s*(\\d+) ms  failover to epoch 2 complete").matcher(out);
    Matcher begun = Pattern.compile("\\+\\s*(\\d+) ms  failover to epoch 2 begun").matcher(out);
    Fixtures.record("demo: mysqld SIGKILL -> failover begun +" + (begun.find() ? begun.group(1) : "?") + " ms, complete +"
        + (done.find() ? done.group(1) : "?") + " ms; first write on the new primary +" + (gap.find() ? gap.group(1) + " ms, write gap "
        + gap.group(2) : "?") + " ms (client-observed)");
  }
}
