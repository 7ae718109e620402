package dev.deneb.state;

import static dev.deneb.state.TestCommands.abort;
import static dev.deneb.state.TestCommands.ack;
import static dev.deneb.state.TestCommands.settle;
import static dev.deneb.state.TestCommands.advance;
import static dev.deneb.state.TestCommands.begin;
import static dev.deneb.state.TestCommands.bootstrap;
import static dev.deneb.state.TestCommands.complete;
import static dev.deneb.state.TestCommands.create;
import static dev.deneb.state.TestCommands.delete;
import static dev.deneb.state.TestCommands.pause;
import static dev.deneb.state.TestCommands.register;
import static dev.deneb.state.TestCommands.remove;
import static dev.deneb.state.TestCommands.renew;
import static dev.deneb.state.TestCommands.renewal;
import static dev.deneb.state.TestCommands.update;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.ClusterSettings;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.LeaseRenewal;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.NodeState;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns generated {@link Seed}s into commands over a small universe (3 clusters, 4 nodes), looking at
 * the current state so runs get deep: about half the seeds are "intents" that push one cluster
 * forward (create, register, bootstrap, begin, next step, complete — with a small share of wrong
 * terms), the other half are arbitrary commands with random arguments, epochs near the current ones,
 * right and wrong terms, steps in and out of order. The entry term sometimes grows (a new leader)
 * and the clock moves by small and large steps (cooldowns expire). Deterministic: the same seeds
 * against the same states give the same log, so jqwik can shrink the seed list.
 */
final class CommandMix {
  static final List<String> CLUSTERS = List.of("orders", "users", "billing");
  static final List<String> NODES = List.of("db1", "db2", "db3", "db4");

  /** One generated choice; {@code kind} picks the command family, the others its arguments. */
  record Seed(int kind, int a, int b, int c, int d, int e) {}

  /** One log entry: the command and the Raft term of the entry carrying it. */
  record Entry(Command command, long term) {}

  private long term = 1;
  private long now = 1_000_000;

  Entry next(DenebState state, Seed s) {
    if (s.e() % 25 == 0) term++; // a new leader was elected
    now += s.d() % 10 == 0 ? 100_000 + 500L * s.d() : 20 + 5L * s.d();
    Command command = s.kind() < 50 ? intent(state, s) : arbitrary(state, s);
    return new Entry(TestCommands.at(now, command), term);
  }

  // ---- intents: push one cluster along create -> register -> bootstrap -> workflow -> complete ----

  private Command intent(DenebState state, Seed s) {
    int pick = s.a() % 10;
    String name = pick < 6 ? "orders" : pick < 8 ? "users" : "billing";
    Optional<ClusterRecord> found = state.cluster(name);
    if (found.isEmpty()) return create(name, settings(s.b(), true));
    ClusterRecord c = found.get();
    int wanted = 3 + s.b() % 2;
    if (c.getNodesCount() == 0 || (c.getNodesCount() < wanted && s.b() % 5 != 0)) {
      for (String node : NODES) {
        if (Nodes.find(c, node).isEmpty()) return register(name, node, ruleOf(node));
      }
    }
    if (c.getEpoch() == 0) return bootstrap(name, c.getNodes(s.b() % c.getNodesCount()).getNode());
    if (c.getPaused() && s.b() % 3 != 0) return pause(name, false);
    if (!c.hasWorkflow()) {
      if (s.b() % 6 == 0) return renewFromAgents(state, s);
      for (var n : c.getNodesList()) {
        if (n.getNeedsCheck() && s.c() % 2 == 0) return settle(name, n.getNode(), c.getEpoch(), s.d() % 4 == 0, mostlyRightTerm(s.e()));
      }
      if (c.getLastAutoFailoverAtMillis() != 0 && s.c() % 3 == 0) {
        // a flapping primary: another automatic failover soon after the last one (often in cooldown)
        return begin(name, WorkflowKind.FAILOVER, c.getEpoch(), "", true, mostlyRightTerm(s.d()));
      }
      boolean switchover = s.b() % 2 == 1;
      String target = switchover || s.b() % 4 == 0 ? eligibleOther(c, c.getPrimary(), s.c()) : "";
      if (s.c() % 8 == 0) target = s.c() % 16 == 0 ? c.getPrimary() : "db4"; // not eligible
      boolean automatic = !switchover && s.c() % 2 == 0;
      return begin(name, switchover ? WorkflowKind.SWITCHOVER : WorkflowKind.FAILOVER, c.getEpoch(), target, automatic,
          mostlyRightTerm(s.d()));
    }
    WorkflowRecord w = c.getWorkflow();
    if (s.b() % 15 == 0) return abort(name, w.getTargetEpoch(), mostlyRightTerm(s.d()));
    if (s.b() % 7 == 0) return renewFromAgents(state, s);
    if (s.b() % 5 == 0) {
      boolean fence = w.getStep().getNumber() < WorkflowStep.CANDIDATE_CHOSEN.getNumber();
      String node = fence ? w.getFrom() : w.getTarget().isEmpty() ? w.getFrom() : w.getTarget();
      return ack(name, node, fence ? "fence" : "promote", w.getTargetEpoch(), s.c() % 4 != 0);
    }
    if (w.getStep() == WorkflowStep.REPOINTED) return complete(name, w.getTargetEpoch(), mostlyRightTerm(s.d()));
    WorkflowStep next = WorkflowStep.forNumber(w.getStep().getNumber() + 1);
    String candidate = next != WorkflowStep.CANDIDATE_CHOSEN ? ""
        : s.c() % 10 == 0 ? w.getFrom() // not eligible: the primary being replaced
        : w.getTarget().isEmpty() ? eligibleOther(c, w.getFrom(), s.c()) : w.getTarget();
    // Half the fences come with a final position (agent or SQL confirmed), half without (lease lapse).
    String finalGtids = next == WorkflowStep.FENCED && s.e() % 2 == 0 ? "0-1-" + w.getTargetEpoch() : "";
    return advance(name, w.getTargetEpoch(), next, candidate, finalGtids, mostlyRightTerm(s.d()));
  }

  /** What the agents would send: every primary at its epoch, the replaced primary at its old epoch, a replica. */
  private Command renewFromAgents(DenebState state, Seed s) {
    List<LeaseRenewal> batch = new ArrayList<>();
    for (ClusterRecord c : state.clusters().values()) {
      if (c.getEpoch() == 0) continue;
      batch.add(renewal(c.getName(), c.getPrimary(), c.getEpoch()));
      if (c.hasWorkflow() && !c.getWorkflow().getFrom().equals(c.getPrimary())) {
        batch.add(renewal(c.getName(), c.getWorkflow().getFrom(), c.getEpoch() - 1));
      }
      if (s.c() % 3 == 0) batch.add(renewal(c.getName(), NODES.get(s.c() % NODES.size()), c.getEpoch()));
    }
    return renew(batch);
  }

  // ---- arbitrary commands with random arguments ----

  private Command arbitrary(DenebState state, Seed s) {
    String name = CLUSTERS.get(s.a() % CLUSTERS.size());
    String node = NODES.get(s.b() % NODES.size());
    Optional<ClusterRecord> found = state.cluster(name);
    long epoch = found.map(ClusterRecord::getEpoch).orElse(0L);
    long workflowEpoch = found.filter(ClusterRecord::hasWorkflow).map(c -> c.getWorkflow().getTargetEpoch())
        .orElse(epoch + 1);
    int k = s.kind();
    if (k < 52) return create(s.c() % 10 == 0 ? "Bad_Name" : name, settings(s.c(), false));
    if (k < 54) return update(name, settings(s.c(), false));
    if (k < 55) return delete(name);
    if (k < 58) {
      String host = s.c() % 5 == 0 ? "10.9.9.9" : TestCommands.hostOf(node);
      int port = s.c() % 11 == 0 ? 0 : 3306;
      return register(name, node, host, port, PromotionRule.forNumber(s.c() % 4));
    }
    if (k < 60) return remove(name, node);
    if (k < 62) return bootstrap(name, node);
    if (k < 72) return randomRenewals(state, s);
    if (k < 76) {
      return begin(name, WorkflowKind.forNumber(s.c() % 3), near(epoch, s.d()), s.c() % 2 == 0 ? "" : node,
          s.d() % 2 == 0, anyTerm(s.e()));
    }
    if (k < 83) {
      WorkflowStep step = WorkflowStep.forNumber(s.c() % 7);
      return advance(name, near(workflowEpoch, s.d()), step, s.d() % 3 == 0 ? "" : node, anyTerm(s.e()));
    }
    if (k < 86) return complete(name, near(workflowEpoch, s.d()), anyTerm(s.e()));
    if (k < 89) return abort(name, near(workflowEpoch, s.d()), anyTerm(s.e()));
    if (k < 92) return pause(name, s.c() % 2 == 0);
    if (k < 94) return ack(name, node, s.c() % 2 == 0 ? "fence" : "promote", near(workflowEpoch, s.d()), s.e() % 2 == 0);
    if (k < 96) return settle(name, node, near(epoch, s.d()), s.c() % 3 == 0, anyTerm(s.e()));
    return renewFromAgents(state, s);
  }

  private Command randomRenewals(DenebState state, Seed s) {
    List<LeaseRenewal> batch = new ArrayList<>();
    int n = 1 + s.c() % 5;
    long x = s.a() * 31L + s.b() * 17L + s.c() * 7L + s.d();
    for (int i = 0; i < n; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L;
      int r = (int) ((x >>> 33) & 0x7fffffff);
      String cluster = CLUSTERS.get(r % CLUSTERS.size());
      Optional<ClusterRecord> c = state.cluster(cluster);
      long epoch = c.map(ClusterRecord::getEpoch).orElse(1L);
      String node = c.isPresent() && (r / 3) % 3 != 0 ? c.get().getPrimary() : NODES.get((r / 9) % NODES.size());
      batch.add(renewal(cluster, node, near(epoch, r / 37)));
    }
    return renew(batch);
  }

  // ---- argument helpers ----

  /** Valid settings for intents; arbitrary ones may be invalid. Small history limits and cooldowns are common. */
  private static ClusterSettings settings(int x, boolean valid) {
    ClusterSettings.Builder b = ClusterSettings.newBuilder();
    if (x % 3 == 1) b.setHistoryLimit(2 + x % 2);
    if (x % 3 == 0) b.setCooldownMillis(x % 2 == 0 ? 1_000 : 60_000);
    if (x % 5 == 0) b.setAutoFailover(false);
    if (x % 5 == 1) b.setAutoFailover(true);
    if (x % 2 == 0) b.addDnsNames("db.example");
    if (x % 4 < 2) b.setDurability(dev.deneb.protocol.Durability.SEMI_SYNC);
    if (!valid && x % 7 == 0) b.setLeaseTtlMillis(500);
    if (!valid && x % 13 == 0) b.setHistoryLimit(-1);
    return b.build();
  }

  /** A fixed rule per node, so intents re-register idempotently: db4 may never be promoted. */
  static PromotionRule ruleOf(String node) {
    return switch (node) {
      case "db1" -> PromotionRule.PREFER;
      case "db4" -> PromotionRule.MUST_NOT;
      default -> PromotionRule.NEUTRAL;
    };
  }

  /** A node that may be promoted and is not {@code excluded}; any other node when there is none. */
  private static String eligibleOther(ClusterRecord c, String excluded, int x) {
    List<String> eligible = new ArrayList<>();
    List<String> others = new ArrayList<>();
    for (NodeRecord n : c.getNodesList()) {
      if (n.getNode().equals(excluded)) continue;
      others.add(n.getNode());
      if (n.getState() == NodeState.ONLINE && n.getPromotionRule() != PromotionRule.MUST_NOT) eligible.add(n.getNode());
    }
    List<String> from = eligible.isEmpty() ? others : eligible;
    return from.isEmpty() ? "db2" : from.get(x % from.size());
  }

  private static long near(long epoch, int x) {
    return switch (x % 6) {
      case 0 -> Math.max(0, epoch - 1);
      case 1 -> epoch + 1;
      case 2 -> 0;
      case 3 -> epoch + 2;
      default -> epoch;
    };
  }

  /** Intents come from the current leader, but one in twenty is a deposed leader's late command. */
  private long mostlyRightTerm(int x) {
    return switch (x % 20) {
      case 0 -> term - 1;
      case 1 -> term + 1;
      default -> term;
    };
  }

  private long anyTerm(int x) {
    return switch (x % 4) {
      case 0 -> term - 1;
      case 1 -> term + 1;
      default -> term;
    };
  }
}
