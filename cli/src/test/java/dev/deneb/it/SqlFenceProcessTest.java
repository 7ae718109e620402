package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deneb.sandbox.HaEnvironment;
import dev.deneb.sandbox.workload.Writer;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A degraded primary (DESIGN §3.3): its agent is cut off from every controller, its mysqld still
 * runs and its replicas still stream from it. With SQL access the leader fences it itself and reads
 * its final position; the candidate catches up to it, so even in async durability no acknowledged
 * write is lost.
 */
class SqlFenceProcessTest {
  private static final Duration SETTLE = Duration.ofSeconds(90);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) java.nio.file.Path dir;

  @Test
  void theLeaderFencesAPartitionedPrimaryOverSqlAndTheCandidateCatchesUp() throws Exception {
    try (HaEnvironment env = HaEnvironment.start(dir, HaEnvironment.Options.defaults().withProxies().withControllerSqlAccess())) {
      Writer writer = new Writer("w", 1, env::primaryTarget).start();
      await().atMost(SETTLE).until(() -> writer.acks().size() > 100);
      long cut = System.nanoTime();
      for (String m : env.controllers().memberIds()) env.agentLink("db1", m).cut();
      await().atMost(SETTLE).until(() -> env.api().primary("orders").filter(p -> p.epoch() == 2).isPresent());
      String next = env.api().primary("orders").orElseThrow().node();
      await().atMost(SETTLE).until(() -> writer.acks().stream().filter(a -> a.epoch() == 2).count() > 20);
      writer.close();
      assertThat(Fixtures.anyLogContains(env.controllers(), "FENCED_OVER_SQL")).as("the leader fenced db1 over SQL").isTrue();
      Set<Long> rows = Probes.rows(env.appEndpoint(next));
      Set<Long> lost = writer.acks().stream().map(Writer.Ack::id).filter(id -> !rows.contains(id)).collect(Collectors.toSet());
      Fixtures.record("sql fence: agent cut, async: writes resumed on " + next + " after " + writer.longestGapAfter(cut).toMillis()
          + " ms, acknowledged writes lost " + lost.size() + " of " + writer.acks().size());
      assertThat(lost).isEmpty();
      for (String m : env.controllers().memberIds()) env.agentLink("db1", m).restore();
    }
  }
}
