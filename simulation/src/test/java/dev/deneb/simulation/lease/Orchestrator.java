package dev.deneb.simulation.lease;

import dev.deneb.controller.failover.Evidence;
import dev.deneb.fencing.gtid.GtidFlavor;
import dev.deneb.controller.failover.FailsafeRelease;
import dev.deneb.controller.failover.NodeView;
import dev.deneb.controller.lease.GroupLeases;
import dev.deneb.controller.lease.LapseRule;
import dev.deneb.controller.lease.LeaseKey;
import dev.deneb.controller.lease.LeaseView;
import dev.deneb.protocol.AdvanceWorkflow;
import dev.deneb.protocol.BeginWorkflow;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.HealthReport;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CompleteWorkflow;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.NodeState;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.SettleNode;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import dev.deneb.state.Leases;
import dev.deneb.state.Nodes;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The leader's part, for one leadership (one member, one term): the lease part of the real
 * orchestrator (Orchestrator + GroupLeases + PeerLeases + FailoverPolicy's steady/fence steps),
 * reduced to what the lease rule needs, deciding with the real {@link LapseRule}.
 *
 * <ul>
 *   <li>Every 100 ms of its clock, and at once for a newly doubted lease, it asks each other member
 *       for its view of the leases it doubts (at most one request in flight per member, given up after
 *       the 5 s HTTP timeout, when a late answer no longer counts); a word is kept with its receipt
 *       time on the leader's clock, and dropped once its lease is no longer doubted.
 *   <li>Every 100 ms, once ready (everything before its term applied) and with no proposal of its own
 *       unsettled: steady state — admit a node waiting for its check, else begin a FAILOVER when
 *       {@code groupSilence > lapseBound} and the primary was ever granted and the other node may be
 *       promoted, or when an operator asked for a failover; BEGUN — FENCED on the old primary's fence acknowledgement, or when the
 *       {@link FenceRule} says the lease lapsed; FENCED — CANDIDATE_CHOSEN naming the other node;
 *       then PROMOTED, DISCOVERY_PUBLISHED, REPOINTED and complete without waiting (the lease does
 *       not depend on them).
 * </ul>
 *
 * <p>Not modelled: reports, mysqld-down detection, SQL fencing, candidate choice by GTIDs, promote
 * acknowledgements, switchovers, aborts, pause/cooldown beyond what the state machine checks.
 */
final class Orchestrator {
  static final long MS = 1_000_000;
  static final long TICK = 100 * MS;
  /** ControllerNode.PEER_POLL. */
  static final long POLL = 100 * MS;
  /** PeerLeases' HTTP timeout: the controller's raft.requestTimeout, 5 s by default. */
  static final long POLL_TIMEOUT_MILLIS = 5_000;
  /** ControllerNode.PEER_WORD_FRESH. */
  static final long WORD_FRESH_MILLIS = 1_000;

  private final ModelMember member;
  private final long term;
  private final LeaseModel model;
  private Set<LeaseKey> wanted = Set.of();
  private final Map<LeaseKey, Map<String, LapseRule.Word>> words = new HashMap<>();
  /** Per member, the request in flight: its id and when it was sent (leader's clock). */
  private final Map<String, long[]> inFlight = new TreeMap<>();
  private long nextRequest;
  private boolean operatorAsked;
  /** The target epoch whose wait for a failsafe release was last noted in the trace. */
  private long releaseWaitNoted;

  Orchestrator(ModelMember member, long term, LeaseModel model) {
    this.member = member;
    this.term = term;
    this.model = model;
  }

  ModelMember member() {
    return member;
  }

  private boolean active() {
    return model.raft.leader() == member && model.raft.term() == term;
  }

  void start() {
    model.scheduler.after(0, member.id() + " orchestrator tick", () -> member.receive("tick", this::tick));
    model.scheduler.after(0, member.id() + " poll", () -> member.receive("poll", this::poll));
  }

  // ---- the others' words (PeerLeases) ----------------------------------------------------------

  private void poll() {
    if (!active()) return;
    model.scheduler.after(member.clock.realFor(POLL), member.id() + " poll", () -> member.receive("poll", this::poll));
    ask();
  }

  private void ask() {
    if (wanted.isEmpty()) return;
    List<LeaseKey> keys = List.copyOf(wanted);
    long now = member.now();
    for (ModelMember peer : model.members) {
      if (peer == member) continue;
      long[] asked = inFlight.get(peer.id());
      if (asked != null && (now - asked[1]) / MS < POLL_TIMEOUT_MILLIS) continue;
      long request = ++nextRequest;
      inFlight.put(peer.id(), new long[] {request, now});
      model.network.send(member.id(), peer, "view request", () -> peer.onViewRequest(this, request, keys));
    }
  }

  /** An answer counts only while its request is the one in flight (a timed-out HTTP exchange is discarded). */
  void onViews(String peer, long request, List<LeaseKey> keys, List<LeaseView> views) {
    long[] asked = inFlight.get(peer);
    if (asked == null || asked[0] != request) return;
    inFlight.remove(peer);
    if (!active()) return;
    long at = member.now();
    for (int i = 0; i < keys.size(); i++) {
      if (!wanted.contains(keys.get(i))) continue;
      words.computeIfAbsent(keys.get(i), k -> new TreeMap<>()).put(peer, new LapseRule.Word(peer, views.get(i), at));
    }
  }

  private Collection<LapseRule.Word> words(LeaseKey key) {
    Map<String, LapseRule.Word> w = words.get(key);
    return w == null ? List.of() : List.copyOf(w.values());
  }

  /** An operator's failover request (API): begun at the next tick in steady state, if the other node may take over. */
  void operatorAsked() {
    if (active()) operatorAsked = true;
  }

  // ---- decisions -------------------------------------------------------------------------------

  private void tick() {
    if (!active()) return;
    model.scheduler.after(member.clock.realFor(TICK), member.id() + " orchestrator tick", () -> member.receive("tick", this::tick));
    if (!model.raft.ready(member, term)) return;
    ClusterRecord c = member.cluster().orElse(null);
    if (c == null || c.getEpoch() == 0) return;
    LeaseKey key = GroupLeases.keyOf(c);
    long now = member.now();
    long ttl = c.getSettings().getLeaseTtlMillis();
    LeaseView mine = member.view(key);
    // GroupLeases.doubtful: ask the others only about a lease this leader does not see renewed itself.
    boolean doubtful = Leases.replacing(c) || !mine.granted() || mine.silenceMillis() > ttl / 2;
    Set<LeaseKey> before = wanted;
    wanted = doubtful ? Set.of(key) : Set.of();
    words.keySet().retainAll(wanted);
    if (!before.containsAll(wanted)) ask(); // PeerLeases.want: a newly doubted lease is asked about at once
    LapseRule.LeaseStatus status = LapseRule.evaluate(LeaseModel.GROUP.size(), member.id(), mine, words(key), now,
        WORD_FRESH_MILLIS);
    if (!model.raft.idle(member)) return;
    long bound = LeaseModel.POLICY.lapseBoundMillis(ttl);
    if (c.hasWorkflow()) {
      operatorAsked = false; // the API refuses a second workflow (S5)
      step(c, c.getWorkflow(), new FenceRule.Evaluation(status, mine, ttl, bound));
      return;
    }
    for (NodeRecord n : c.getNodesList()) {
      if (n.getNeedsCheck()) {
        propose(Command.newBuilder().setSettleNode(SettleNode.newBuilder().setCluster(LeaseModel.CLUSTER)
            .setNode(n.getNode()).setEpoch(c.getEpoch()).setDetail("model: admitted").setTerm(term)), "admit " + n.getNode());
        return;
      }
    }
    String candidate = other(c.getPrimary());
    if (operatorAsked) {
      operatorAsked = false;
      if (eligible(c, candidate)) {
        propose(Command.newBuilder().setBeginWorkflow(BeginWorkflow.newBuilder().setCluster(LeaseModel.CLUSTER)
            .setKind(WorkflowKind.FAILOVER).setExpectedEpoch(c.getEpoch()).setAutomatic(false)
            .setReason("operator").setTerm(term)), "begin failover of " + c.getPrimary() + " for an operator [" + status.detail() + "]");
        return;
      }
    }
    if (status.groupSilenceMillis() > bound && status.everGranted() && eligible(c, candidate)) {
      propose(Command.newBuilder().setBeginWorkflow(BeginWorkflow.newBuilder().setCluster(LeaseModel.CLUSTER)
          .setKind(WorkflowKind.FAILOVER).setExpectedEpoch(c.getEpoch()).setAutomatic(true)
          .setReason("lease lapsed: group silence " + status.groupSilenceMillis() + " ms > " + bound + " ms [" + status.detail()
              + "]").setTerm(term)), "begin failover of " + c.getPrimary() + ": group silence " + status.groupSilenceMillis()
          + " ms > " + bound + " ms [" + status.detail() + "]");
    }
  }

  private void step(ClusterRecord c, WorkflowRecord w, FenceRule.Evaluation e) {
    switch (w.getStep()) {
      case BEGUN -> {
        String suffix = "/" + w.getTargetEpoch() + "/fence/" + w.getFrom();
        boolean acked = w.getAcksList().stream().anyMatch(a -> a.getDone() && a.getNode().equals(w.getFrom())
            && a.getDirectiveId().endsWith(suffix));
        if (acked) {
          advance(w, WorkflowStep.FENCED, "", "ack: " + w.getFrom() + "'s agent confirmed the fence");
        } else if (model.config.rule().lapsed(e) && released(c, w)) {
          advance(w, WorkflowStep.FENCED, "", "lapse: " + model.config.rule().name() + " revoked " + e.status()
              .revokedSilenceMillis() + " ms, group " + e.status().groupSilenceMillis() + " ms, own " + e.own() + ", bound "
              + e.boundMillis() + " ms [" + e.status().detail() + "]");
        }
      }
      case FENCED -> advance(w, WorkflowStep.CANDIDATE_CHOSEN, other(w.getFrom()), "choose " + other(w.getFrom()));
      case CANDIDATE_CHOSEN -> advance(w, WorkflowStep.PROMOTED, "", "promoted (not waited for in the model)");
      case PROMOTED -> advance(w, WorkflowStep.DISCOVERY_PUBLISHED, "", "published");
      case DISCOVERY_PUBLISHED -> advance(w, WorkflowStep.REPOINTED, "", "repointed");
      case REPOINTED -> propose(Command.newBuilder().setCompleteWorkflow(CompleteWorkflow.newBuilder()
          .setCluster(LeaseModel.CLUSTER).setTargetEpoch(w.getTargetEpoch()).setTerm(term)), "complete");
      default -> throw new IllegalStateException("workflow step " + w.getStep());
    }
  }

  /**
   * Failsafe (FailoverPolicy): without the old primary's own acknowledgement, nothing counts until the
   * real {@link FailsafeRelease} finds no hold of it can still run — a witness reported itself
   * released to this leader. Always true without failsafe, and in the mutant that skips the wait.
   */
  private boolean released(ClusterRecord c, WorkflowRecord w) {
    FailsafeMode mode = model.config.failsafe();
    if (!mode.on() || mode == FailsafeMode.NO_RELEASE_WAIT) return true;
    Map<String, NodeView> nodes = new HashMap<>();
    long now = member.now();
    member.reports().forEach((node, r) -> nodes.put(node, new NodeView(node,
        HealthReport.newBuilder().setFailsafeReleasedThrough(r[0]).build(), Math.max(0, (now - r[1]) / MS), -1)));
    Optional<String> pending = FailsafeRelease.pending(c, w, new Evidence(nodes, 0, true, 0, model.wallMillis(),
        GtidFlavor.MARIADB));
    if (pending.isEmpty()) return true;
    if (releaseWaitNoted != w.getTargetEpoch()) {
      releaseWaitNoted = w.getTargetEpoch();
      model.stats.releaseWaits++;
      model.trace.note("%s: the lease of %s lapsed, but %s", member.id(), w.getFrom(), pending.get());
    }
    return false;
  }

  private void advance(WorkflowRecord w, WorkflowStep step, String candidate, String detail) {
    propose(Command.newBuilder().setAdvanceWorkflow(AdvanceWorkflow.newBuilder().setCluster(LeaseModel.CLUSTER)
        .setTargetEpoch(w.getTargetEpoch()).setStep(step).setCandidate(candidate).setDetail(detail).setTerm(term)),
        step + " " + detail);
  }

  private void propose(Command.Builder command, String why) {
    model.raft.propose(member, term, command.setAtMillis(model.wallMillis()).build(), why);
  }

  private static String other(String node) {
    return LeaseModel.NODES.get(0).equals(node) ? LeaseModel.NODES.get(1) : LeaseModel.NODES.get(0);
  }

  private static boolean eligible(ClusterRecord c, String node) {
    return Nodes.find(c, node).filter(n -> n.getState() == NodeState.ONLINE && !n.getNeedsCheck()
        && n.getPromotionRule() != PromotionRule.MUST_NOT).isPresent();
  }
}
