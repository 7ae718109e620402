package dev.deneb.controller.discovery.hook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.deneb.controller.discovery.DiscoveryBackend;
import dev.deneb.controller.discovery.DiscoveryException;
import dev.deneb.controller.discovery.Publication;
import dev.deneb.controller.discovery.Publication.Endpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real {@code sh} processes run as hooks: environment, exit codes, output tails, timeouts. */
@Timeout(60)
class CommandHookTest {
  private static final Publication FAILOVER = new Publication("shop", 7, 6, new Endpoint("db2", "10.0.0.2", 3307),
      Optional.of(new Endpoint("db1", "10.0.0.1", 3306)), List.of());
  private static final Publication FIRST = new Publication("shop", 1, 0, new Endpoint("db1", "10.0.0.1", 3306),
      Optional.empty(), List.of());

  @TempDir Path dir;

  @Test
  void aHookSeesThePublicationInItsEnvironment() throws Exception {
    Path out = dir.resolve("env.txt");
    CommandHook hook = new CommandHook(CommandHook.Phase.POST,
        List.of("sh", "-c", "env | grep -E '^DENEB_(HOOK_PHASE|CLUSTER|EPOCH|PREVIOUS|PRIMARY)' | sort > \"$0\"", out.toString()),
        Duration.ofSeconds(10));

    hook.run(FAILOVER);

    assertThat(Files.readAllLines(out)).containsExactly(
        "DENEB_CLUSTER=shop",
        "DENEB_EPOCH=7",
        "DENEB_HOOK_PHASE=post",
        "DENEB_PREVIOUS_EPOCH=6",
        "DENEB_PREVIOUS_HOST=10.0.0.1",
        "DENEB_PREVIOUS_NODE=db1",
        "DENEB_PREVIOUS_PORT=3306",
        "DENEB_PRIMARY_HOST=10.0.0.2",
        "DENEB_PRIMARY_NODE=db2",
        "DENEB_PRIMARY_PORT=3307");
  }

  @Test
  void withoutAPreviousPrimaryThoseVariablesAreEmpty() throws Exception {
    Path out = dir.resolve("env.txt");
    new CommandHook(CommandHook.Phase.PRE,
        List.of("sh", "-c", "printf '%s|%s|%s|%s|%s' \"$DENEB_HOOK_PHASE\" \"$DENEB_PREVIOUS_EPOCH\" "
            + "\"$DENEB_PREVIOUS_NODE\" \"$DENEB_PREVIOUS_HOST\" \"$DENEB_PREVIOUS_PORT\" > \"$0\"", out.toString()),
        Duration.ofSeconds(10)).run(FIRST);

    assertThat(Files.readString(out)).isEqualTo("pre|0|||");
  }

  @Test
  void aFailingHookReportsItsExitCodeAndOutput() {
    CommandHook hook = new CommandHook(CommandHook.Phase.POST,
        List.of("sh", "-c", "echo 'consul: connection refused' >&2; exit 3"), Duration.ofSeconds(10));

    assertThatThrownBy(() -> hook.run(FAILOVER))
        .isInstanceOf(DiscoveryException.class)
        .hasMessageContaining("post hook [sh, -c,")
        .hasMessageContaining("exited with code 3")
        .hasMessageContaining("consul: connection refused")
        .satisfies(e -> assertThat(((DiscoveryException) e).refused()).isFalse());
  }

  @Test
  void onlyTheEndOfALongOutputIsKept() {
    CommandHook hook = new CommandHook(CommandHook.Phase.POST,
        List.of("sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done; exit 1"), Duration.ofSeconds(30));

    assertThatThrownBy(() -> hook.run(FAILOVER))
        .isInstanceOf(DiscoveryException.class)
        .hasMessageContaining("line-2999")
        .hasMessageNotContaining("line-0\n")
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(CommandHook.OUTPUT_TAIL_BYTES + 200));
  }

  @Test
  void aHookPastItsTimeoutIsKilledWithItsChildren() throws Exception {
    Path pidFile = dir.resolve("child.pid");
    CommandHook hook = new CommandHook(CommandHook.Phase.PRE,
        List.of("sh", "-c", "sleep 300 & echo $! > \"$0\"; echo waiting; wait", pidFile.toString()), Duration.ofMillis(500));

    assertThatThrownBy(() -> hook.run(FAILOVER))
        .isInstanceOf(DiscoveryException.class)
        .hasMessageContaining("timeout")
        .hasMessageContaining("killed it and its child processes")
        .hasMessageContaining("waiting");
    long child = Long.parseLong(Files.readString(pidFile).strip());
    await().until(() -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
  }

  @Test
  void aBackgroundChildHoldingTheOutputDoesNotHoldTheHook() throws Exception {
    Path pidFile = dir.resolve("bg.pid");
    CommandHook hook = new CommandHook(CommandHook.Phase.POST,
        List.of("sh", "-c", "sleep 300 & echo $! > \"$0\"; echo started", pidFile.toString()), Duration.ofSeconds(30));
    try {
      hook.run(FAILOVER); // returns although the sleep keeps the output pipe open
    } finally {
      long bg = Long.parseLong(Files.readString(pidFile).strip());
      ProcessHandle.of(bg).ifPresent(ProcessHandle::destroyForcibly); // this test's own leftover, by PID
    }
  }

  @Test
  void aMissingProgramSaysThereIsNoShell() {
    CommandHook hook = new CommandHook(CommandHook.Phase.POST, List.of(dir.resolve("no-such-hook").toString()),
        Duration.ofSeconds(10));

    assertThatThrownBy(() -> hook.run(FAILOVER))
        .isInstanceOf(DiscoveryException.class)
        .hasMessageContaining("cannot start")
        .hasMessageContaining("no-such-hook")
        .hasMessageContaining("without a shell");
  }

  @Test
  void postHooksBecomeBackendsWithDistinctNames() throws Exception {
    Path out = dir.resolve("ran.txt");
    HookSettings settings = new HookSettings(List.of(),
        List.of(List.of("sh", "-c", "echo \"$DENEB_EPOCH\" >> \"$0\"", out.toString()), List.of("true")),
        Duration.ofSeconds(10));

    List<DiscoveryBackend> backends = settings.postBackends();
    for (DiscoveryBackend b : backends) {
      b.publish(FAILOVER);
    }

    assertThat(backends).extracting(DiscoveryBackend::name).containsExactly("hook:post[0]:sh", "hook:post[1]:true");
    assertThat(Files.readAllLines(out)).containsExactly("7");
    CommandHook pre = new CommandHook(CommandHook.Phase.PRE, List.of("true"), Duration.ofSeconds(1));
    assertThatThrownBy(() -> new CommandHookBackend(pre, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a post hook");
  }
}
