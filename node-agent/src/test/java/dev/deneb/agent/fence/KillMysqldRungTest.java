package dev.deneb.agent.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

class KillMysqldRungTest {
  @TempDir Path dir;
  final FenceRequest request = new FenceRequest("orders", "db1", 3, "LEASE_EXPIRING: test");
  final List<Process> started = new ArrayList<>();

  /** A process table in memory: kill() marks the process a zombie after {@code diesAfterPolls} more finds. */
  static final class FakeTable implements ProcessTable {
    final Map<Long, Entry> entries = new HashMap<>();
    final List<Long> killed = new ArrayList<>();
    boolean permitted = true;
    int diesAfterPolls = 0;
    private int pollsLeft = -1;

    @Override
    public Optional<Entry> find(long pid) {
      Entry e = entries.get(pid);
      if (e != null && pollsLeft >= 0 && pollsLeft-- == 0) {
        e = new Entry(pid, e.name(), "", 'Z', e.startTime());
        entries.put(pid, e);
      }
      return Optional.ofNullable(e);
    }

    @Override
    public boolean kill(Entry expected) {
      if (!permitted) return false;
      killed.add(expected.pid());
      pollsLeft = diesAfterPolls;
      return true;
    }
  }

  private Path pidFile(String content) throws IOException {
    Path p = dir.resolve("mysqld.pid");
    Files.writeString(p, content);
    return p;
  }

  private KillMysqldRung rung(Path pidFile, ProcessTable table, Duration killTimeout) {
    return new KillMysqldRung(pidFile, killTimeout, table, System::nanoTime);
  }

  @Test
  void aMysqldIsKilledAndVerifiedOnceItIsGone() throws IOException {
    FakeTable t = new FakeTable();
    t.entries.put(4242L, new ProcessTable.Entry(4242, "mysqld", "/usr/sbin/mysqld", 'S', 99));
    t.diesAfterPolls = 3;
    FenceRung.Verdict v = rung(pidFile("4242\n"), t, Duration.ofSeconds(2)).attempt(request, List.of());
    assertThat(t.killed).containsExactly(4242L);
    assertThat(v.verified()).isTrue();
    assertThat(v.reason()).contains("SIGKILLed mysqld pid 4242").contains("gone after");
  }

  @Test
  void aMariadbdKnownOnlyByArgv0IsAServerToo() throws IOException {
    FakeTable t = new FakeTable();
    t.entries.put(77L, new ProcessTable.Entry(77, "one-connection", "/opt/mariadb/bin/mariadbd", 'T', 5));
    assertThat(rung(pidFile("77"), t, Duration.ofSeconds(1)).attempt(request, List.of()).verified()).isTrue();
    assertThat(t.killed).containsExactly(77L);
  }

  @Test
  void aPidThatIsNotAMysqldIsNotKilled() throws IOException {
    FakeTable t = new FakeTable();
    t.entries.put(4242L, new ProcessTable.Entry(4242, "postgres", "/usr/lib/postgresql/bin/postgres", 'S', 99));
    FenceRung.Verdict v = rung(pidFile("4242"), t, Duration.ofSeconds(1)).attempt(request, List.of());
    assertThat(t.killed).isEmpty();
    assertThat(v.verified()).isFalse();
    assertThat(v.reason()).contains("'postgres'").contains("not mysqld or mariadbd").contains("not killed");
  }

  @Test
  void aServerThatIsAlreadyGoneIsVerifiedWithoutAKill() throws IOException {
    FakeTable t = new FakeTable();
    FenceRung.Verdict v = rung(pidFile("4242"), t, Duration.ofSeconds(1)).attempt(request, List.of());
    assertThat(v.verified()).isTrue();
    assertThat(v.reason()).contains("not running");
    assertThat(t.killed).isEmpty();
  }

  @Test
  void aMissingOrGarbledPidFileIsNotVerified() throws IOException {
    FakeTable t = new FakeTable();
    FenceRung.Verdict missing = rung(dir.resolve("nope.pid"), t, Duration.ofSeconds(1)).attempt(request, List.of());
    assertThat(missing.verified()).isFalse();
    assertThat(missing.reason()).contains("does not exist");
    FenceRung.Verdict garbled = rung(pidFile("hello"), t, Duration.ofSeconds(1)).attempt(request, List.of());
    assertThat(garbled.verified()).isFalse();
    assertThat(garbled.reason()).contains("'hello'").contains("not a process id");
    assertThat(rung(pidFile("1"), t, Duration.ofSeconds(1)).attempt(request, List.of()).verified()).isFalse();
  }

  @Test
  void aKillThatIsRefusedIsNotVerified() throws IOException {
    FakeTable t = new FakeTable();
    t.permitted = false;
    t.entries.put(10L, new ProcessTable.Entry(10, "mariadbd", "mariadbd", 'S', 1));
    FenceRung.Verdict v = rung(pidFile("10"), t, Duration.ofSeconds(1)).attempt(request, List.of());
    assertThat(v.verified()).isFalse();
    assertThat(v.reason()).contains("could not SIGKILL").contains("CAP_KILL");
  }

  @Test
  void aServerThatDoesNotDieWithinTheKillTimeoutIsNotVerifiedAndTheRungReturnsOnTime() throws IOException {
    FakeTable t = new FakeTable();
    t.diesAfterPolls = Integer.MAX_VALUE;
    t.entries.put(10L, new ProcessTable.Entry(10, "mysqld", "mysqld", 'D', 1));
    long start = System.nanoTime();
    FenceRung.Verdict v = rung(pidFile("10"), t, Duration.ofMillis(200)).attempt(request, List.of());
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(v.verified()).isFalse();
    assertThat(v.reason()).contains("still there after 200 ms").contains("uninterruptible");
    assertThat(ms).isBetween(200L, 1000L);
  }

  @Test
  void aPidReusedByANewProcessCountsAsGone() throws IOException {
    ProcessTable reused = new ProcessTable() {
      int finds;

      @Override
      public Optional<Entry> find(long pid) {
        return Optional.of(new Entry(pid, "mysqld", "mysqld", 'S', finds++ == 0 ? 1 : 2));
      }

      @Override
      public boolean kill(Entry expected) {
        return true;
      }
    };
    assertThat(rung(pidFile("10"), reused, Duration.ofSeconds(1)).attempt(request, List.of()).verified()).isTrue();
  }

  // ---- real processes ---------------------------------------------------------------------------

  @Test
  @EnabledOnOs(OS.LINUX)
  void aRealProcessThatIsNotAMysqldSurvives() throws Exception {
    Process sleeper = start(Path.of(sleepBinary()));
    FenceRung.Verdict v = rung(pidFile(Long.toString(sleeper.pid())), ProcessTable.system(), Duration.ofSeconds(1))
        .attempt(request, List.of());
    assertThat(v.verified()).isFalse();
    assertThat(v.reason()).contains("'sleep'").contains("not killed");
    assertThat(sleeper.isAlive()).isTrue();
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void aRealProcessNamedMysqldIsKilledAndVerified() throws Exception {
    Path fake = dir.resolve("mysqld");
    Files.copy(Path.of(sleepBinary()), fake, StandardCopyOption.COPY_ATTRIBUTES);
    Process mysqld = start(fake);
    await().atMost(Duration.ofSeconds(5)).until(() -> ProcessTable.system().find(mysqld.pid())
        .map(e -> e.name().equals("mysqld")).orElse(false));
    KillMysqldRung rung = rung(pidFile(mysqld.pid() + "\n"), ProcessTable.system(), Duration.ofSeconds(2));
    assertThat(rung.check()).contains("armed").contains("pid " + mysqld.pid());
    FenceRung.Verdict v = rung.attempt(request, List.of());
    assertThat(v.verified()).as(v.reason()).isTrue();
    assertThat(v.reason()).contains("SIGKILLed mysqld pid " + mysqld.pid());
    assertThat(mysqld.waitFor(5, TimeUnit.SECONDS)).isTrue();
    assertThat(mysqld.exitValue()).isEqualTo(137); // 128 + SIGKILL
    // Its pid file now names a dead process: the server is down, so the rung verifies at once.
    assertThat(rung.attempt(request, List.of()).reason()).contains("not running");
  }

  private Process start(Path program) throws IOException {
    Process p = new ProcessBuilder(program.toString(), "60").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    started.add(p);
    return p;
  }

  private static String sleepBinary() {
    for (String s : List.of("/usr/bin/sleep", "/bin/sleep")) {
      if (Files.isExecutable(Path.of(s))) return s;
    }
    throw new IllegalStateException("no sleep binary");
  }

  @AfterEach
  void stopProcesses() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
