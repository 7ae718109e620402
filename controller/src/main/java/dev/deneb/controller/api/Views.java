package dev.deneb.controller.api;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.ClusterSettings;
import dev.deneb.protocol.Durability;
import dev.deneb.protocol.EpochRecord;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.WorkflowRecord;
import java.util.List;
import java.util.Locale;

/** The JSON shapes of docs/api.md, built from replicated records. Field names are the API contract. */
public final class Views {
  private Views() {}

  public record Settings(String durability, long leaseTtlMs, boolean autoFailover, long cooldownMs,
      List<String> dnsNames, int historyLimit, boolean failsafe) {}

  public record Node(String node, String host, int port, String promotionRule, String state, String quarantinedGtids,
      boolean needsCheck, String replicationAddress) {}

  public record Workflow(String kind, long targetEpoch, String from, String target, String step, boolean automatic,
      String reason, long begunAtMillis, long stepAtMillis, String detail) {}

  public record Cluster(String name, long epoch, String primary, boolean paused, Settings settings, List<Node> nodes,
      Workflow workflow) {}

  public record Clusters(List<Cluster> clusters, long appliedIndex) {}

  public record Primary(String cluster, long epoch, String node, String host, int port) {}

  public record Epoch(long epoch, String primary, String reason, long atMillis, String lostGtids, String quarantined) {}

  /** GET /v1/clusters/{c}/explain: the orchestrator's newest decision and the evidence it was taken on. */
  public record Explain(String cluster, String member, String role, long term, String action, String reason, String detail,
      long atMillis, java.util.Map<String, String> evidence, Workflow workflow) {}

  public record History(String cluster, List<Epoch> history) {}

  public record Message(String message) {}

  public record Error(String error, String code) {}

  static Cluster cluster(ClusterRecord c) {
    ClusterSettings s = c.getSettings();
    Settings settings = new Settings(durability(s.getDurability()), s.getLeaseTtlMillis(), s.getAutoFailover(),
        s.getCooldownMillis(), List.copyOf(s.getDnsNamesList()), s.getHistoryLimit(),
        dev.deneb.controller.agent.AgentGatewayService.failsafe(c));
    List<Node> nodes = c.getNodesList().stream().map(Views::node).toList();
    return new Cluster(c.getName(), c.getEpoch(), emptyToNull(c.getPrimary()), c.getPaused(), settings, nodes,
        c.hasWorkflow() ? workflow(c.getWorkflow()) : null);
  }

  static Node node(NodeRecord n) {
    return new Node(n.getNode(), n.getHost(), n.getPort(), lower(n.getPromotionRule().name()), lower(n.getState().name()),
        emptyToNull(n.getQuarantinedGtids()), n.getNeedsCheck(),
        n.getReplicationHost().isEmpty() ? null : n.getReplicationHost() + ":" + n.getReplicationPort());
  }

  static Workflow workflow(WorkflowRecord w) {
    return new Workflow(lower(w.getKind().name()), w.getTargetEpoch(), w.getFrom(), emptyToNull(w.getTarget()),
        lower(w.getStep().name()), w.getAutomatic(), w.getReason(), w.getBegunAtMillis(), w.getStepAtMillis(),
        emptyToNull(w.getDetail()));
  }

  static History history(ClusterRecord c) {
    return new History(c.getName(), c.getHistoryList().stream().map(Views::epoch).toList());
  }

  static Epoch epoch(EpochRecord e) {
    return new Epoch(e.getEpoch(), e.getPrimary(), e.getReason(), e.getAtMillis(), e.getLostGtids(),
        emptyToNull(e.getQuarantined()));
  }

  static Explain explain(dev.deneb.controller.failover.Orchestrator.Explanation x, ClusterRecord c) {
    return new Explain(x.cluster(), x.member(), x.role(), x.term(),
        x.decision().action().getClass().getSimpleName().toLowerCase(Locale.ROOT), x.decision().reason().name(),
        x.decision().detail(), x.atMillis(), x.evidence().get(), c.hasWorkflow() ? workflow(c.getWorkflow()) : null);
  }

  static String durability(Durability d) {
    return d == Durability.SEMI_SYNC ? "semi-sync" : "async";
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }
}
