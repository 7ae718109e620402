package dev.deneb.controller.agent;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.HealthReport;
import dev.deneb.protocol.NodeRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a cluster without an epoch can be bootstrapped from its agents' reports alone: only when
 * the topology is unambiguous — every registered node reports (recently), exactly one replicates
 * from no one, and every other node replicates from that one's registered address. Anything else
 * waits for an operator's {@code deneb ctl bootstrap}; the reason says why. Pure: no clock, no I/O.
 */
public final class BootstrapDecision {
  private BootstrapDecision() {}

  public record Outcome(Optional<String> primary, String reason) {}

  /**
   * @param reports the newest report of each node with its receive time (nanoTime)
   * @param now nanoTime
   * @param maxAge reports older than this do not count
   */
  public static Outcome decide(ClusterRecord cluster, Map<String, AgentReports.Received> reports, long now, Duration maxAge) {
    if (cluster.getEpoch() != 0) return new Outcome(Optional.empty(), "already at epoch " + cluster.getEpoch());
    if (cluster.getNodesCount() == 0) return new Outcome(Optional.empty(), "no nodes registered");
    List<String> roots = new ArrayList<>();
    for (NodeRecord n : cluster.getNodesList()) {
      AgentReports.Received r = reports.get(n.getNode());
      if (r == null || r.ageMillis(now) > maxAge.toMillis()) {
        return new Outcome(Optional.empty(), "no recent report from " + n.getNode());
      }
      HealthReport h = r.report();
      if (!h.getMysqldUp()) return new Outcome(Optional.empty(), n.getNode() + " reports its database down: " + h.getError());
      if (h.getSource().isEmpty()) roots.add(n.getNode());
    }
    if (roots.size() != 1) {
      return new Outcome(Optional.empty(), roots.isEmpty() ? "every node replicates from another (a cycle?)"
          : "several nodes replicate from no one: " + roots);
    }
    String root = roots.get(0);
    NodeRecord primary = cluster.getNodesList().stream().filter(n -> n.getNode().equals(root)).findFirst().orElseThrow();
    String address = primary.getHost() + ":" + primary.getPort();
    for (NodeRecord n : cluster.getNodesList()) {
      if (n.getNode().equals(root)) continue;
      String source = reports.get(n.getNode()).report().getSource();
      if (!source.equals(address)) {
        return new Outcome(Optional.empty(), n.getNode() + " replicates from " + source + ", not from " + root + " at " + address);
      }
    }
    return new Outcome(Optional.of(root), root + " is the only node replicating from no one, and every other node replicates from it");
  }
}
