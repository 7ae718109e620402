package dev.deneb.controller.failover;

import dev.deneb.controller.failover.CandidateChooser.Choice;
import dev.deneb.controller.failover.CandidateChooser.ReplicaReport;
import dev.deneb.controller.failover.Decision.Action;
import dev.deneb.controller.failover.Decision.Reason;
import dev.deneb.fencing.gtid.GtidState;
import dev.deneb.protocol.AckRecord;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Durability;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.NodeState;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import dev.deneb.state.Directives;
import dev.deneb.state.Nodes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The orchestrator's decisions (DESIGN §3.3-§3.6), as a pure function of the committed cluster
 * record and the leader's evidence: no clock, no I/O. One decision per cluster per tick; the
 * orchestrator carries it out and the next tick sees the committed result.
 */
public final class FailoverPolicy {
  private final PolicySettings settings;

  public FailoverPolicy(PolicySettings settings) {
    this.settings = settings;
  }

  /** How long the agent gets to confirm a fence before the controller tries over SQL, and between tries. */
  static final long SQL_FENCE_AFTER_MILLIS = 1000;
  static final long SQL_FENCE_RETRY_MILLIS = 2000;

  public Decision decide(ClusterRecord c, Evidence e) {
    if (c.getEpoch() == 0) return Decision.none(Reason.NOT_BOOTSTRAPPED, "no epoch yet: bootstrap names the first primary");
    if (c.hasWorkflow()) {
      if (c.getPaused()) return Decision.none(Reason.WORKFLOW_PAUSED, "the workflow is paused by an operator at " + c.getWorkflow().getStep());
      return step(c, c.getWorkflow(), e);
    }
    Optional<Decision> check = checkNodes(c, e);
    return check.orElseGet(() -> steady(c, e));
  }

  /**
   * How long {@code d} cannot change by time alone, so the orchestrator may look at the cluster again
   * only then (or at once when its record or an agent's report changes, which it tracks itself).
   *
   * <p>Only the quiet steady reasons wait, each until its own deadline:
   * <ul>
   *   <li>a healthy primary, or one whose replicas lost it: until the lease silence can cross the
   *       lapse bound or the primary's report go stale;
   *   <li>a primary unreported at this leader but renewing: until the silence can cross the bound;
   *   <li>a primary that never took its lease, or a cluster without an epoch: only a grant, a report
   *       or a commit moves them, so the longest wait.
   * </ul>
   * The silence grows no faster than time: the leader's own silence grows with its clock, an open
   * member's word is taken as it was, and a word that goes stale drops out, which counts that member
   * as silent for 0 ms. Everything else (a workflow, mysqld down, a lapse, a node awaiting its check)
   * is looked at every tick. At 10,000 clusters, deciding each ten times a second was 100,000
   * decisions a second on the leader, which starved the lease path (`bench renewals`).
   *
   * @param maxMillis the longest wait, for what the deadlines do not cover (a first grant; a
   *     replica's report going stale, which only changes which quiet reason is shown)
   */
  public long waitMillis(ClusterRecord c, Decision d, Evidence e, long maxMillis) {
    if (c.hasWorkflow()) return 0;
    long untilLapse = settings.lapseBoundMillis(c.getSettings().getLeaseTtlMillis()) - e.leaseSilenceMillis();
    long untilStale = settings.reportStaleAfter().toMillis() - e.node(c.getPrimary()).reportAgeMillis();
    long wait = switch (d.reason()) {
      case NOT_BOOTSTRAPPED, PRIMARY_NEVER_LEASED -> maxMillis;
      case PRIMARY_HEALTHY, REPLICAS_LOST_PRIMARY_LEASE_HELD -> Math.min(untilLapse, untilStale);
      case LEASE_HELD_PRIMARY_UNREPORTED -> untilLapse;
      default -> 0;
    };
    return Math.max(0, Math.min(maxMillis, wait));
  }

  // ---- steady state: is the primary failed? (§3.3) ----------------------------------------------

  private Decision steady(ClusterRecord c, Evidence e) {
    long stale = settings.reportStaleAfter().toMillis();
    NodeView primary = e.node(c.getPrimary());
    long lapse = settings.lapseBoundMillis(c.getSettings().getLeaseTtlMillis());
    Supplier<String> leaseNote = () -> "newest lease round a majority can have granted " + e.leaseSilenceMillis()
        + " ms ago (lapse bound " + lapse + " ms" + (e.leaseDetail().isEmpty() ? "" : "; " + e.leaseDetail()) + ")";

    Reason trigger = null;
    String why = null;
    if (e.leaseSilenceMillis() > lapse && !e.primaryEverRenewed()) {
      if (!primary.fresh(stale) || primary.up()) {
        return Decision.none(Reason.PRIMARY_NEVER_LEASED, () -> c.getPrimary() + " has not taken its lease in epoch "
            + c.getEpoch() + " yet (its agent is not running or not connected): it was never writable, so its silence is"
            + " no failure");
      }
    }
    if (e.leaseSilenceMillis() > lapse && e.primaryEverRenewed()) {
      trigger = Reason.LEASE_LAPSED;
      why = "the primary's lease lapsed: " + leaseNote.get();
    } else if (primary.fresh(stale) && !primary.up()) {
      if (primary.downForMillis() < settings.downGrace().toMillis()) {
        return Decision.none(Reason.PRIMARY_DOWN_WITHIN_GRACE, "agent reports mysqld down for " + primary.downForMillis()
            + " ms (< downGrace " + settings.downGrace().toMillis() + " ms): " + primary.report().getError());
      }
      List<String> streaming = replicasStreamingFrom(c, e);
      if (!streaming.isEmpty()) {
        return Decision.none(Reason.PRIMARY_REPORTED_DOWN_BUT_REPLICAS_STREAM, "agent reports mysqld down ("
            + primary.report().getError() + ") but " + streaming + " still receive from it; waiting for the agent or the lease");
      }
      trigger = Reason.PRIMARY_MYSQLD_DOWN;
      why = "agent reports mysqld down for " + primary.downForMillis() + " ms: " + primary.report().getError();
    }
    if (trigger == null) {
      if (!primary.fresh(stale)) {
        return Decision.none(Reason.LEASE_HELD_PRIMARY_UNREPORTED, () -> "no fresh report from the primary's agent at this"
            + " leader (" + (primary.reported() ? primary.reportAgeMillis() + " ms old" : "none") + ") but its lease is renewed"
            + " through the group: " + leaseNote.get());
      }
      List<String> lost = replicasNotStreaming(c, e);
      if (!lost.isEmpty()) {
        return Decision.none(Reason.REPLICAS_LOST_PRIMARY_LEASE_HELD, () -> "replicas " + lost
            + " do not receive from the primary, but a replica losing the primary never triggers a failover (L4); "
            + leaseNote.get());
      }
      return Decision.none(Reason.PRIMARY_HEALTHY, () -> "mysqld up, " + leaseNote.get());
    }
    if (c.getPaused()) return Decision.none(Reason.PAUSED, why + "; cluster paused, no failover");
    if (!c.getSettings().getAutoFailover()) return Decision.none(Reason.AUTO_FAILOVER_OFF, why + "; automatic failover is off");
    long sinceLast = e.wallMillis() - c.getLastAutoFailoverAtMillis();
    if (c.getLastAutoFailoverAtMillis() != 0 && sinceLast < c.getSettings().getCooldownMillis()) {
      return Decision.none(Reason.COOLDOWN, why + "; last automatic failover " + sinceLast + " ms ago, cooldown "
          + c.getSettings().getCooldownMillis() + " ms: an operator may fail over by hand");
    }
    List<String> able = replicasAbleToTakeOver(c, e);
    if (able.isEmpty()) {
      // Beginning would only fence the primary and refuse its renewals until an operator aborts; a
      // partitioned primary that comes back could not even resume. Wait for a replica instead.
      return Decision.none(Reason.NO_CANDIDATE_AVAILABLE, why + "; but no replica could take over (each is quarantined,"
          + " must_not, awaiting its check, down or unreported), so no failover is begun");
    }
    return Decision.of(new Action.Begin(WorkflowKind.FAILOVER, ""), trigger, why + "; able to take over: " + able);
  }

  /** Replicas that could be promoted now: online, checked, not must_not, with a fresh report of mysqld up. */
  private List<String> replicasAbleToTakeOver(ClusterRecord c, Evidence e) {
    long stale = settings.reportStaleAfter().toMillis();
    return checkedOnlineReplicas(c, c.getPrimary()).stream()
        .filter(n -> n.getPromotionRule() != PromotionRule.MUST_NOT)
        .filter(n -> e.node(n.getNode()).fresh(stale) && e.node(n.getNode()).up())
        .map(NodeRecord::getNode).toList();
  }

  /** Online nodes other than {@code except} that have passed their GTID check. */
  private static List<NodeRecord> checkedOnlineReplicas(ClusterRecord c, String except) {
    return c.getNodesList().stream()
        .filter(n -> !n.getNode().equals(except) && n.getState() == NodeState.ONLINE && !n.getNeedsCheck())
        .toList();
  }

  /** Replicas whose fresh reports say their IO thread runs against the primary's replication address. */
  private List<String> replicasStreamingFrom(ClusterRecord c, Evidence e) {
    List<String> out = new ArrayList<>();
    String address = primaryAddress(c);
    for (NodeRecord n : c.getNodesList()) {
      NodeView v = e.node(n.getNode());
      if (!n.getNode().equals(c.getPrimary()) && v.fresh(settings.reportStaleAfter().toMillis()) && v.up()
          && v.report().getIoRunning() && v.report().getSource().equals(address)) {
        out.add(n.getNode());
      }
    }
    return out;
  }

  private List<String> replicasNotStreaming(ClusterRecord c, Evidence e) {
    List<String> out = new ArrayList<>();
    for (NodeRecord n : c.getNodesList()) {
      NodeView v = e.node(n.getNode());
      if (!n.getNode().equals(c.getPrimary()) && n.getState() == NodeState.ONLINE && v.fresh(settings.reportStaleAfter().toMillis())
          && v.up() && !v.report().getIoRunning()) {
        out.add(n.getNode());
      }
    }
    return out;
  }

  private static String primaryAddress(ClusterRecord c) {
    return Nodes.find(c, c.getPrimary()).map(n -> Nodes.replicationHost(n) + ":" + Nodes.replicationPort(n)).orElse("");
  }

  // ---- nodes left behind by a new epoch: rejoin or quarantine (§3.6) ---------------------------

  /** The first node waiting for its check that has a fresh report, compared with the primary's executed GTIDs. */
  private Optional<Decision> checkNodes(ClusterRecord c, Evidence e) {
    long stale = settings.reportStaleAfter().toMillis();
    for (NodeRecord n : c.getNodesList()) {
      if (!n.getNeedsCheck()) continue;
      NodeView v = e.node(n.getNode());
      Optional<String> primaryGtids = reference(c, n, v, e);
      if (primaryGtids.isEmpty()) continue;
      if (!v.fresh(stale) || !v.up()) continue;
      if (!v.report().getReadOnly()) continue; // still writable: its agent fences it first (it sees a newer epoch)
      try {
        GtidState mine = GtidState.parse(e.flavor(), v.report().getExecutedGtids());
        GtidState primary = GtidState.parse(e.flavor(), primaryGtids.get());
        var extra = mine.missingFrom(primary);
        if (extra.isEmpty()) {
          return Optional.of(Decision.of(new Action.Settle(n.getNode(), false, ""), Reason.NODE_ADMITTED,
              n.getNode() + " executed " + mine.format() + ", contained in where epoch " + n.getCheckEpoch() + " began on "
                  + c.getPrimary() + " (" + primary.format() + "): it may replicate"));
        }
        return Optional.of(Decision.of(new Action.Settle(n.getNode(), true, extra.describe()), Reason.NODE_QUARANTINED,
            n.getNode() + " has transactions the primary lacks: " + extra.describe() + "; quarantined for an operator"));
      } catch (IllegalArgumentException bad) {
        return Optional.of(Decision.none(Reason.AWAITING_REPOINT, n.getNode() + ": unreadable GTIDs: " + bad.getMessage()));
      }
    }
    return Optional.empty();
  }

  /**
   * What a node left behind by epoch {@code n.check_epoch} must be contained in: that epoch's start
   * position on its new primary (where the earlier epochs' stream ended there). Comparing with the
   * primary's current position instead would be wrong for MariaDB, whose positions keep only the
   * newest GTID per domain: an errant 0-1-290 looks "contained" in a primary at 0-2-291. When the
   * history no longer has that epoch (or the node joined a running cluster: check epoch 0), the
   * primary's current position is the (weaker) fallback — and only a report the primary made after
   * the node's: a node that replicates is ahead of an older primary report, and a re-cloned node
   * was quarantined again and again for transactions it had replicated from the primary.
   */
  private Optional<String> reference(ClusterRecord c, NodeRecord n, NodeView node, Evidence e) {
    for (var h : c.getHistoryList()) {
      if (h.getEpoch() == n.getCheckEpoch()) {
        return h.getStartGtids().isEmpty() ? Optional.empty() : Optional.of(h.getStartGtids());
      }
    }
    NodeView p = e.node(c.getPrimary());
    // Which report was made later is told by arrival, not by freshness: a primary's heartbeat report
    // stays fresh for its whole promise (up to the heartbeat, 2 s) while telling a position from its
    // sending. Compared by freshness, a re-cloned replica that had since received more looked ahead of
    // its primary and was quarantined for transactions the primary had (30-minute async run, seed 42).
    boolean newerThanNodes = p.receivedAgeMillis() < node.receivedAgeMillis();
    if (p.fresh(settings.reportStaleAfter().toMillis()) && p.up() && !p.report().getReadOnly() && newerThanNodes) {
      return Optional.of(p.report().getExecutedGtids());
    }
    return Optional.empty();
  }

  // ---- a workflow in flight: the next step (§3.4, §3.5) ----------------------------------------

  /**
   * The candidate has not confirmed its promotion. If its agent reports a failsafe promise that still
   * binds it (it vouched for the old primary during a controller outage), that is the wait, with its
   * own reason: the agent keeps the database read-only until the promise runs out.
   */
  private static Decision awaitingPromotion(WorkflowRecord w, Evidence e) {
    NodeView target = e.node(w.getTarget());
    if (target.reported() && target.report().getPromiseBindsMillis() > 0) {
      return Decision.none(Reason.AWAITING_CANDIDATE_PROMISE, w.getTarget() + " stays read-only for "
          + target.report().getPromiseBindsMillis() + " ms more, as of its last report: " + target.report().getPromiseBinding()
          + " (failsafe, docs/lease.md); it becomes writable in epoch " + w.getTargetEpoch() + " after that");
    }
    return Decision.none(Reason.AWAITING_PROMOTION, "waiting for " + w.getTarget() + "'s agent to take the lease of epoch "
        + w.getTargetEpoch() + " and lift read-only (" + e.stepAgeMillis() + " ms)");
  }

  private Decision step(ClusterRecord c, WorkflowRecord w, Evidence e) {
    return switch (w.getStep()) {
      case BEGUN -> fence(c, w, e);
      case FENCED -> choose(c, w, e);
      case CANDIDATE_CHOSEN -> ack(w, "promote", w.getTarget()).filter(AckRecord::getDone)
          .map(a -> Decision.of(new Action.Advance(WorkflowStep.PROMOTED, "", "", ""), Reason.PROMOTION_CONFIRMED,
              w.getTarget() + " is writable in epoch " + w.getTargetEpoch() + "; the epoch starts after " + a.getGtids()))
          .orElseGet(() -> awaitingPromotion(w, e));
      case PROMOTED -> Decision.of(new Action.Publish(), Reason.PUBLISHING_DISCOVERY,
          "publishing " + w.getTarget() + " as primary of epoch " + w.getTargetEpoch());
      case DISCOVERY_PUBLISHED -> repoint(c, w, e);
      case REPOINTED -> Decision.of(new Action.Complete(), Reason.WORKFLOW_DONE,
          "epoch " + c.getEpoch() + " names " + c.getPrimary() + "; steady");
      case WORKFLOW_STEP_UNSPECIFIED, UNRECOGNIZED -> throw new IllegalStateException("workflow of '" + c.getName()
          + "' has step " + w.getStep());
    };
  }

  private Decision fence(ClusterRecord c, WorkflowRecord w, Evidence e) {
    Optional<AckRecord> ack = ack(w, "fence", w.getFrom()).filter(AckRecord::getDone);
    if (ack.isPresent()) {
      return Decision.of(new Action.Advance(WorkflowStep.FENCED, "", "", ack.get().getGtids()), Reason.FENCE_CONFIRMED_BY_AGENT,
          w.getFrom() + "'s agent confirmed the fence: " + ack.get().getDetail()
              + (ack.get().getGtids().isEmpty() ? "; final position unknown" : "; final position " + ack.get().getGtids()));
    }
    // Failsafe: without the old primary's own acknowledgement, it may still hold by its replicas'
    // promises, and its agent would make it writable again after an SQL fence (so that fence's final
    // position would not be final). Nothing else counts until a witness reports itself released.
    Optional<String> hold = FailsafeRelease.pending(c, w, e);
    if (hold.isPresent()) {
      return Decision.none(Reason.AWAITING_FAILSAFE_RELEASE, hold.get() + "; or for " + w.getFrom()
          + "'s agent to confirm the fence");
    }
    Evidence.SqlFence sql = e.sqlFence();
    if (sql.last() != null && sql.last().fenced()) {
      return Decision.of(new Action.Advance(WorkflowStep.FENCED, "", "", sql.last().finalGtids()), Reason.FENCED_OVER_SQL,
          w.getFrom() + ": " + sql.last().detail());
    }
    long lapse = settings.lapseBoundMillis(c.getSettings().getLeaseTtlMillis());
    // Proof, not suspicion: only members that have applied the begin (and so never grant again) count.
    boolean lapsed = e.leaseRevokedSilenceMillis() > lapse;
    // The agent has not confirmed (within a second, or its lease is gone already): a degraded primary
    // whose mysqld may still be reachable. Fence it ourselves once before relying on the lapse: that
    // also yields its final position, so the candidate catches up and even async loses nothing (§3.3).
    boolean firstTry = sql.last() == null && (lapsed || e.stepAgeMillis() >= SQL_FENCE_AFTER_MILLIS);
    boolean retry = sql.last() != null && !lapsed && e.stepAgeMillis() >= SQL_FENCE_AFTER_MILLIS
        && sql.lastAgeMillis() >= SQL_FENCE_RETRY_MILLIS;
    if (sql.available() && (firstTry || retry)) {
      return Decision.of(new Action.FenceOverSql(), Reason.FENCING_OVER_SQL, w.getFrom() + "'s agent has not confirmed the fence in "
          + e.stepAgeMillis() + " ms; fencing it over SQL" + (sql.last() == null ? "" : " again (last: " + sql.last().detail() + ")"));
    }
    if (lapsed) {
      return Decision.of(new Action.Advance(WorkflowStep.FENCED, "", "", ""), Reason.FENCED_BY_LEASE_LAPSE,
          w.getFrom() + "'s lease provably lapsed: a majority of members stopped granting it and granted nothing for "
              + e.leaseRevokedSilenceMillis() + " ms > " + lapse + " ms; it has fenced itself (or its guard has)"
              + (e.leaseDetail().isEmpty() ? "" : " [" + e.leaseDetail() + "]"));
    }
    return Decision.none(Reason.AWAITING_FENCE, "waiting for " + w.getFrom() + " to confirm the fence, or for its lease to lapse ("
        + e.leaseRevokedSilenceMillis() + " of " + lapse + " ms since a majority of members last granted it"
        + (e.leaseDetail().isEmpty() ? "" : " [" + e.leaseDetail() + "]") + ")");
  }

  private Decision choose(ClusterRecord c, WorkflowRecord w, Evidence e) {
    Optional<String> finalGtids = w.getFinalGtids().isEmpty() ? Optional.empty() : Optional.of(w.getFinalGtids());
    Map<String, ReplicaReport> reports = new LinkedHashMap<>();
    long stale = settings.reportStaleAfter().toMillis();
    for (NodeRecord n : c.getNodesList()) {
      NodeView v = e.node(n.getNode());
      if (v.reported()) {
        reports.put(n.getNode(), new ReplicaReport(v.up(), v.fresh(stale), v.report().getExecutedGtids(),
            v.report().getReceivedGtids(), v.report().getLagSeconds()));
      }
    }
    if (w.getKind() == WorkflowKind.SWITCHOVER) return switchoverTarget(c, w, e, reports, finalGtids);
    // Choosing only once the replicas stopped receiving from the old primary: their positions are
    // final then, and none of them acknowledges the old primary's commits should it resume.
    List<String> attached = attachedReplicas(c, w, e);
    if (!attached.isEmpty() && e.stepAgeMillis() < settings.candidateWait().toMillis()) {
      return Decision.none(Reason.AWAITING_DETACH, "waiting up to " + settings.candidateWait().toMillis() + " ms for "
          + attached + " to stop receiving from " + w.getFrom() + ", whose final position is unknown ("
          + e.stepAgeMillis() + " ms so far)");
    }
    // A replica this leader cannot see right now (no fresh report, mysqld down, relay log not applied)
    // may hold transactions every visible one lacks — in semi-sync possibly the only copy of an
    // acknowledged write. Give it candidateWait to show up before choosing without it.
    List<String> unseen = unseenReplicas(c, w, e);
    if (!unseen.isEmpty() && e.stepAgeMillis() < settings.candidateWait().toMillis()) {
      return Decision.none(Reason.AWAITING_CATCH_UP, "waiting up to " + settings.candidateWait().toMillis()
          + " ms for " + unseen + " before choosing without them (" + e.stepAgeMillis() + " ms so far)");
    }
    var safe = CandidateChooser.choose(c, reports, e.flavor(), finalGtids, CandidateChooser.Mode.SAFE);
    if (safe.choice() instanceof Choice.Chosen chosen) {
      return Decision.of(new Action.Advance(WorkflowStep.CANDIDATE_CHOSEN, chosen.node(), "", ""), Reason.CANDIDATE_SAFE,
          chosen.reason() + leftOut(safe.leftOut())
              + (unseen.isEmpty() ? "" : "; chosen without " + unseen + " after " + e.stepAgeMillis() + " ms: they may hold more"));
    }
    String why = ((Choice.NoCandidate) safe.choice()).reason();
    boolean async = c.getSettings().getDurability() != Durability.SEMI_SYNC;
    if (!async || e.stepAgeMillis() < settings.candidateWait().toMillis()) {
      return Decision.none(finalGtids.isPresent() ? Reason.AWAITING_CATCH_UP : Reason.NO_CANDIDATE, "no safe candidate yet ("
          + e.stepAgeMillis() + " ms): " + why + (async ? "; async durability allows a loud lossy choice after "
          + settings.candidateWait().toMillis() + " ms" : "; semi-sync durability never promotes a lossy candidate"));
    }
    var lossy = CandidateChooser.choose(c, reports, e.flavor(), Optional.empty(), CandidateChooser.Mode.LOSSY);
    if (lossy.choice() instanceof Choice.Chosen chosen) {
      String lost = chosen.lostGtids();
      if (finalGtids.isPresent()) {
        String behind = lostFromFinal(e, finalGtids.get(), reports.get(chosen.node()).executedGtids());
        if (!behind.isEmpty()) lost = lost.isEmpty() ? "old primary: " + behind : lost + "; old primary: " + behind;
      }
      return Decision.of(new Action.Advance(WorkflowStep.CANDIDATE_CHOSEN, chosen.node(), lost, ""), Reason.CANDIDATE_LOSSY,
          "LOSSY after " + e.stepAgeMillis() + " ms without a safe candidate (" + why + "): " + chosen.reason()
              + (lost.isEmpty() ? "" : "; lost: " + lost));
    }
    return Decision.none(Reason.NO_CANDIDATE, ((Choice.NoCandidate) lossy.choice()).reason() + leftOut(lossy.leftOut()));
  }

  /**
   * Replicas told to detach from the old primary ({@link Directives#detaches}) that are reachable
   * (fresh report, mysqld up) and have not answered. A "not done" answer counts as an answer: that
   * agent cannot detach (its reason is in the workflow's acks), and waiting would not change it.
   */
  private List<String> attachedReplicas(ClusterRecord c, WorkflowRecord w, Evidence e) {
    long stale = settings.reportStaleAfter().toMillis();
    return c.getNodesList().stream().map(NodeRecord::getNode)
        .filter(node -> Directives.detaches(c, node))
        .filter(node -> e.node(node).fresh(stale) && e.node(node).up())
        .filter(node -> ack(w, "detach", node).isEmpty())
        .toList();
  }

  /** Online replicas (not the replaced primary, not awaiting a check) without a fresh, applied, up report. */
  private List<String> unseenReplicas(ClusterRecord c, WorkflowRecord w, Evidence e) {
    long stale = settings.reportStaleAfter().toMillis();
    return checkedOnlineReplicas(c, w.getFrom()).stream().map(NodeRecord::getNode)
        .filter(node -> {
          NodeView v = e.node(node);
          return !v.fresh(stale) || !v.up() || !relayApplied(e, v);
        }).toList();
  }

  private static boolean relayApplied(Evidence e, NodeView v) {
    try {
      return GtidState.parse(e.flavor(), v.report().getExecutedGtids())
          .contains(GtidState.parse(e.flavor(), v.report().getReceivedGtids()));
    } catch (IllegalArgumentException bad) {
      return false;
    }
  }

  private Decision switchoverTarget(ClusterRecord c, WorkflowRecord w, Evidence e, Map<String, ReplicaReport> reports,
      Optional<String> finalGtids) {
    var result = CandidateChooser.choose(c, reports, e.flavor(), finalGtids, CandidateChooser.Mode.SAFE);
    String left = result.leftOut().get(w.getTarget());
    boolean targetReady = left == null && reports.containsKey(w.getTarget()) && finalGtids.isPresent();
    if (targetReady) {
      return Decision.of(new Action.Advance(WorkflowStep.CANDIDATE_CHOSEN, w.getTarget(), "", ""), Reason.CANDIDATE_SAFE,
          w.getTarget() + " executed the old primary's final position " + finalGtids.get());
    }
    if (e.stepAgeMillis() > settings.catchUpTimeout().toMillis()) {
      return Decision.of(new Action.Abort(), Reason.SWITCHOVER_TARGET_NOT_CAUGHT_UP, w.getTarget()
          + " did not reach the old primary's final position within " + settings.catchUpTimeout().toMillis() + " ms ("
          + (left == null ? "no final position" : left) + "); aborting: " + w.getFrom() + " keeps the role at the next epoch");
    }
    return Decision.none(Reason.AWAITING_CATCH_UP, "waiting for " + w.getTarget() + " to execute "
        + (finalGtids.isPresent() ? "the old primary's final position " + finalGtids.get() : "(final position unknown)")
        + (left == null ? "" : ": " + left));
  }

  private Decision repoint(ClusterRecord c, WorkflowRecord w, Evidence e) {
    Optional<Decision> check = checkNodes(c, e);
    if (check.isPresent()) return check.get();
    long stale = settings.reportStaleAfter().toMillis();
    String address = primaryAddress(c);
    List<String> waiting = new ArrayList<>();
    for (NodeRecord n : c.getNodesList()) {
      if (n.getNode().equals(c.getPrimary()) || n.getState() != NodeState.ONLINE) continue;
      NodeView v = e.node(n.getNode());
      if (!v.fresh(stale) || !v.up()) continue; // unreachable: checked and repointed when it returns
      if (n.getNeedsCheck()) {
        waiting.add(n.getNode() + " (awaiting its GTID check)");
      } else if (!(v.report().getSource().equals(address) && v.report().getIoRunning())) {
        waiting.add(n.getNode() + " (replicates from '" + v.report().getSource() + "', io " + v.report().getIoRunning() + ")");
      }
    }
    if (waiting.isEmpty()) {
      return Decision.of(new Action.Advance(WorkflowStep.REPOINTED, "", "", ""), Reason.REPOINTED,
          "every reachable replica receives from " + c.getPrimary() + " at " + address);
    }
    if (e.stepAgeMillis() > settings.repointWait().toMillis()) {
      return Decision.of(new Action.Advance(WorkflowStep.REPOINTED, "", "", ""), Reason.REPOINT_TIMED_OUT,
          "not yet repointed after " + e.stepAgeMillis() + " ms: " + waiting + "; their directives stay pending");
    }
    return Decision.none(Reason.AWAITING_REPOINT, "waiting for " + waiting);
  }

  private static String lostFromFinal(Evidence e, String finalGtids, String executed) {
    try {
      var gap = GtidState.parse(e.flavor(), finalGtids).missingFrom(GtidState.parse(e.flavor(), executed));
      return gap.isEmpty() ? "" : gap.describe();
    } catch (IllegalArgumentException bad) {
      return "unknown (" + bad.getMessage() + ")";
    }
  }

  private static String leftOut(Map<String, String> leftOut) {
    return leftOut.isEmpty() ? "" : "; left out: " + leftOut;
  }

  static Optional<AckRecord> ack(WorkflowRecord w, String kind, String node) {
    String suffix = "/" + w.getTargetEpoch() + "/" + kind + "/" + node;
    return w.getAcksList().stream().filter(a -> a.getDirectiveId().endsWith(suffix) && a.getNode().equals(node)).findFirst();
  }
}
