package dev.deneb.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.fencing.gtid.GtidFlavor;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.ClusterSettings;
import dev.deneb.protocol.HealthReport;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which nodes' releases prove that no failsafe hold of the old primary can still run
 * (docs/lease.md "Failsafe"): only a node in every membership the old epoch's leases can have
 * confirmed.
 */
class FailsafeReleaseTest {
  /** db1 primary of epoch 4, being replaced (target 5); the others registered in the given epochs. */
  private static ClusterRecord cluster(long lastRemovalEpoch, long... registeredIn) {
    ClusterRecord.Builder c = ClusterRecord.newBuilder().setName("shop").setEpoch(4).setPrimary("db1")
        .setSettings(ClusterSettings.getDefaultInstance()).setLastRemovalEpoch(lastRemovalEpoch)
        .addNodes(NodeRecord.newBuilder().setNode("db1").setRegisteredInEpoch(0))
        .setWorkflow(WorkflowRecord.newBuilder().setKind(WorkflowKind.FAILOVER).setStep(WorkflowStep.BEGUN)
            .setTargetEpoch(5).setFrom("db1"));
    for (int i = 0; i < registeredIn.length; i++) {
      c.addNodes(NodeRecord.newBuilder().setNode("db" + (i + 2)).setRegisteredInEpoch(registeredIn[i]));
    }
    return c.build();
  }

  private static Evidence releases(Map<String, Long> releasedThrough) {
    Map<String, NodeView> views = new HashMap<>();
    releasedThrough.forEach((node, epoch) -> views.put(node, new NodeView(node,
        HealthReport.newBuilder().setMysqldUp(true).setFailsafeReleasedThrough(epoch).build(), 100, -1)));
    return new Evidence(views, 0, true, 0, 0, GtidFlavor.MARIADB);
  }

  private static boolean proven(ClusterRecord c, Evidence e) {
    return FailsafeRelease.pending(c, c.getWorkflow(), e).isEmpty();
  }

  @Test
  void aNodePresentSinceBeforeTheEpochProvesItByItsRelease() {
    ClusterRecord c = cluster(0, 1, 2);
    assertThat(proven(c, releases(Map.of("db2", 3L)))).isFalse(); // released only for an older epoch
    assertThat(proven(c, releases(Map.of("db3", 4L)))).isTrue();
    assertThat(FailsafeRelease.pending(c, c.getWorkflow(), releases(Map.of()))).get().asString()
        .contains("db2 (no report)", "db3 (no report)");
  }

  @Test
  void withoutRemovalsTheFirstNodeAddedDuringTheEpochIsAWitness() {
    // Both replicas joined during epoch 4: memberships only grew, so each non-empty one holds db2.
    ClusterRecord c = cluster(0, 4, 4);
    assertThat(proven(c, releases(Map.of("db2", 4L)))).isTrue();
    // db3 joined after db2: a membership {db1, db2} never needed db3's promise.
    assertThat(proven(c, releases(Map.of("db3", 4L)))).isFalse();
  }

  @Test
  void afterARemovalDuringTheEpochOnlyNodesPresentSinceBeforeCount() {
    ClusterRecord c = cluster(4, 4, 2);
    assertThat(proven(c, releases(Map.of("db2", 4L)))).isFalse();
    assertThat(proven(c, releases(Map.of("db3", 4L)))).isTrue();
    // Nobody present since before the epoch: nothing can prove a hold over; the words say what to do.
    ClusterRecord none = cluster(4, 4);
    assertThat(FailsafeRelease.pending(none, none.getWorkflow(), releases(Map.of("db2", 4L)))).get().asString()
        .contains("turn failsafe off");
  }

  @Test
  void aLonePrimaryOrFailsafeOffNeedsNothing() {
    assertThat(proven(cluster(0), releases(Map.of()))).isTrue();
    ClusterRecord off = cluster(0, 1);
    off = off.toBuilder().setSettings(off.getSettings().toBuilder().setFailsafe(false)).build();
    assertThat(proven(off, releases(Map.of()))).isTrue();
  }
}
