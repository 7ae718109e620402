package dev.deneb.controller.dns;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import dev.deneb.state.DenebState;
import java.util.Map;
import java.util.TreeMap;

/** Replicated states for DNS tests, built from the Protobuf records the state machine keeps. */
final class States {
  private States() {}

  static ClusterRecord cluster(String name, long epoch, String primary, String... nodeHosts) {
    ClusterRecord.Builder b = ClusterRecord.newBuilder().setName(name).setEpoch(epoch).setPrimary(primary);
    for (int i = 0; i < nodeHosts.length; i++) {
      b.addNodes(NodeRecord.newBuilder().setNode("n" + (i + 1)).setHost(nodeHosts[i]).setPort(3306));
    }
    return b.build();
  }

  static ClusterRecord atStep(ClusterRecord c, WorkflowStep step) {
    return c.toBuilder().setWorkflow(WorkflowRecord.newBuilder().setStep(step).setTargetEpoch(c.getEpoch() + 1)).build();
  }

  static DenebState state(ClusterRecord... clusters) {
    TreeMap<String, ClusterRecord> map = new TreeMap<>();
    for (ClusterRecord c : clusters) map.put(c.getName(), c);
    return new DenebState(map);
  }

  static DenebState withRetired(DenebState s, Map<String, Long> retired) {
    return new DenebState(new TreeMap<>(s.clusters()), new TreeMap<>(retired));
  }
}
