package dev.deneb.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterWatchTest {
  private final List<String> lines = new ArrayList<>();
  private final ClusterWatch watch = ClusterWatch.unstarted(new Events(lines::add));

  @Test
  void stepsCommittedWithTheCompletionBetweenTwoPollsAreStillNamed() {
    watch.report(snapshot(1, "db1", workflow("discovery_published", "db2")));
    // The next poll finds the workflow gone: `repointed` and the completion were committed in between.
    watch.report(snapshot(2, "db2", NullNode.getInstance()));

    assertThat(lines).anyMatch(l -> l.contains("step discovery_published (target db2)"));
    assertThat(lines).anyMatch(l -> l.contains("step repointed (committed between two polls)"));
    assertThat(lines).anyMatch(l -> l.contains("failover to epoch 2 complete: primary db2"));
  }

  @Test
  void anAbortedWorkflowNamesNoStepItNeverReached() {
    watch.report(snapshot(1, "db1", workflow("fenced", "db2")));
    watch.report(snapshot(1, "db1", NullNode.getInstance()));

    assertThat(lines).noneMatch(l -> l.contains("step candidate_chosen") || l.contains("step repointed"));
    assertThat(lines).anyMatch(l -> l.contains("failover to epoch 2 ended without completing (aborted)"));
  }

  private static ClusterWatch.Snapshot snapshot(long epoch, String primary, com.fasterxml.jackson.databind.JsonNode workflow) {
    return new ClusterWatch.Snapshot(epoch, primary, workflow, "c1", "", "", List.of(), null);
  }

  private static ObjectNode workflow(String step, String target) {
    ObjectNode w = new ObjectMapper().createObjectNode();
    w.put("kind", "failover").put("targetEpoch", 2).put("begunAtMillis", 1000).put("step", step).put("target", target)
        .put("stepAtMillis", 2000).put("from", "db1").put("automatic", true).put("reason", "PRIMARY_MYSQLD_DOWN");
    return w;
  }
}
