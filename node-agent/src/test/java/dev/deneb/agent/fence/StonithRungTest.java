package dev.deneb.agent.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

@EnabledOnOs({OS.LINUX, OS.MAC})
class StonithRungTest {
  @TempDir Path dir;
  final FenceRequest request = new FenceRequest("orders", "db1", 9, "LEASE_EXPIRING: lease ends in 490 ms");
  final List<RungResult> earlier = List.of(new RungResult("sql-read-only", false, Duration.ofMillis(750), "no answer"));

  private Path script(String body) throws IOException {
    Path s = dir.resolve("stonith.sh");
    Files.writeString(s, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
    return s;
  }

  @Test
  void exitZeroIsVerifiedAndTheHookGetsNodeClusterEpochAndReason() throws IOException {
    Path marker = dir.resolve("marker");
    Path s = script("printf '%s\\n' \"$DENEB_NODE\" \"$DENEB_CLUSTER\" \"$DENEB_EPOCH\" \"$DENEB_REASON\" \"$1\" > '"
        + marker + "'\necho powering off $DENEB_NODE");
    FenceRung.Verdict v = new StonithRung(List.of(s.toString(), "--hard"), Duration.ofSeconds(10), System::nanoTime)
        .attempt(request, earlier);
    assertThat(v.verified()).as(v.reason()).isTrue();
    assertThat(v.reason()).contains("exited 0").contains("output: powering off db1");
    assertThat(Files.readAllLines(marker)).containsExactly("db1", "orders", "9",
        "LEASE_EXPIRING: lease ends in 490 ms; not confirmed by sql-read-only (no answer)", "--hard");
  }

  @Test
  void aNonZeroExitIsNotVerifiedAndItsOutputIsKept() throws IOException {
    Path s = script("echo 'ipmi: host unreachable' >&2\nexit 3");
    FenceRung.Verdict v = new StonithRung(List.of(s.toString()), Duration.ofSeconds(10), System::nanoTime)
        .attempt(request, earlier);
    assertThat(v.verified()).isFalse();
    assertThat(v.reason()).contains("exited 3").contains("ipmi: host unreachable");
  }

  @Test
  void aHookThatHangsIsKilledAtItsTimeoutWithItsChildren() throws IOException {
    Path pidOfChild = dir.resolve("child.pid");
    Path s = script("sleep 60 &\necho $! > '" + pidOfChild + "'\nwait");
    long start = System.nanoTime();
    FenceRung.Verdict v = new StonithRung(List.of(s.toString()), Duration.ofMillis(500), System::nanoTime)
        .attempt(request, earlier);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(v.verified()).isFalse();
    assertThat(v.reason()).contains("did not finish within 500 ms and was killed");
    assertThat(ms).isBetween(500L, 3000L);
    long child = Long.parseLong(Files.readString(pidOfChild).strip());
    // Killed with the hook: gone, or a zombie waiting for whoever inherited it to reap it.
    await().atMost(Duration.ofSeconds(2)).until(() -> ProcessTable.system().find(child)
        .map(ProcessTable.Entry::exited).orElse(true));
  }

  @Test
  void aHookThatCannotBeStartedIsNotVerified() {
    FenceRung.Verdict v = new StonithRung(List.of(dir.resolve("missing").toString()), Duration.ofSeconds(1),
        System::nanoTime).attempt(request, earlier);
    assertThat(v.verified()).isFalse();
    assertThat(v.reason()).contains("cannot run");
  }

  @Test
  void aFailedHookIsRunAgainOnlyAfterTheRetryGap() throws IOException {
    Path runs = dir.resolve("runs");
    Path s = script("echo run >> '" + runs + "'\nexit 1");
    java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();
    StonithRung rung = new StonithRung(List.of(s.toString()), Duration.ofSeconds(10), clock::get);
    assertThat(rung.attempt(request, earlier).reason()).contains("exited 1");
    clock.addAndGet(StonithRung.RETRY_GAP.toNanos() / 2);
    FenceRung.Verdict skipped = rung.attempt(request, earlier);
    assertThat(skipped.verified()).isFalse();
    assertThat(skipped.reason()).contains("the hook failed 500 ms ago");
    assertThat(Files.readAllLines(runs)).hasSize(1);
    clock.addAndGet(StonithRung.RETRY_GAP.toNanos() / 2);
    assertThat(rung.attempt(request, earlier).reason()).contains("exited 1");
    assertThat(Files.readAllLines(runs)).hasSize(2);
  }
}
