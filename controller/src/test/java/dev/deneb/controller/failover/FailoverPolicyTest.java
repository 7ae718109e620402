package dev.deneb.controller.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.controller.failover.Decision.Action;
import dev.deneb.controller.failover.Decision.Reason;
import dev.deneb.fencing.gtid.GtidFlavor;
import dev.deneb.protocol.AckRecord;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.ClusterSettings;
import dev.deneb.protocol.Durability;
import dev.deneb.protocol.EpochRecord;
import dev.deneb.protocol.HealthReport;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.NodeState;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator's decisions, one scenario a test (STYLE 16): a committed cluster record and the
 * leader's evidence in, a decision out; the enum reason is the oracle, never the text.
 */
class FailoverPolicyTest {
  private static final long TTL = 3000;
  private final FailoverPolicy policy = new FailoverPolicy(PolicySettings.defaults());

  // ---- steady state: detection and screening (DESIGN §3.3) ----

  @Test
  void aHealthyPrimaryIsLeftAlone() {
    Decision d = policy.decide(cluster(Durability.ASYNC), evidence(nodes(up("db1", "0-1-10"), replica("db2", "0-1-10", true),
        replica("db3", "0-1-10", true)), 100, true));
    assertThat(d.reason()).isEqualTo(Reason.PRIMARY_HEALTHY);
    assertThat(d.action()).isInstanceOf(Action.None.class);
  }

  @Test
  void mysqldDownIsGivenItsGraceThenFailedOver() {
    ClusterRecord c = cluster(Durability.ASYNC);
    assertThat(policy.decide(c, evidence(nodes(down("db1", 200), replica("db2", "0-1-10", false)), 100, true)).reason())
        .isEqualTo(Reason.PRIMARY_DOWN_WITHIN_GRACE);
    Decision d = policy.decide(c, evidence(nodes(down("db1", 600), replica("db2", "0-1-10", false)), 100, true));
    assertThat(d.reason()).isEqualTo(Reason.PRIMARY_MYSQLD_DOWN);
    assertThat(d.action()).isEqualTo(new Action.Begin(WorkflowKind.FAILOVER, ""));
  }

  @Test
  void noFailoverIsBegunWhenNoReplicaCouldTakeOver() {
    ClusterRecord c = cluster(Durability.SEMI_SYNC);
    c = c.toBuilder().setNodes(1, c.getNodes(1).toBuilder().setState(NodeState.QUARANTINED))
        .setNodes(2, c.getNodes(2).toBuilder().setPromotionRule(PromotionRule.MUST_NOT)).build();
    long lapsed = PolicySettings.defaults().lapseBoundMillis(TTL) + 1;
    Decision d = policy.decide(c, evidence(nodes(replica("db2", "0-1-10", true), replica("db3", "0-1-10", true)), lapsed, true));
    assertThat(d.reason()).isEqualTo(Reason.NO_CANDIDATE_AVAILABLE);
    assertThat(d.action()).isInstanceOf(Action.None.class);
    // An able replica that is down or unreported does not count either.
    ClusterRecord one = cluster(Durability.ASYNC);
    assertThat(policy.decide(one, evidence(nodes(down("db2", 0)), lapsed, true)).reason()).isEqualTo(Reason.NO_CANDIDATE_AVAILABLE);
  }

  @Test
  void anAgentReportingDownWhileReplicasStillStreamIsNotBelieved() {
    Decision d = policy.decide(cluster(Durability.ASYNC), evidence(nodes(down("db1", 5000), replica("db2", "0-1-10", true)), 100, true));
    assertThat(d.reason()).isEqualTo(Reason.PRIMARY_REPORTED_DOWN_BUT_REPLICAS_STREAM);
    assertThat(d.action()).isInstanceOf(Action.None.class);
  }

  @Test
  void aLapsedLeaseFailsOverOnlyAPrimaryThatHeldOne() {
    ClusterRecord c = cluster(Durability.ASYNC);
    long lapsed = PolicySettings.defaults().lapseBoundMillis(TTL) + 1;
    Map<String, NodeView> unreported = nodes(replica("db2", "0-1-10", false));
    assertThat(policy.decide(c, evidence(unreported, lapsed, true)).reason()).isEqualTo(Reason.LEASE_LAPSED);
    assertThat(policy.decide(c, evidence(unreported, lapsed, true)).action()).isInstanceOf(Action.Begin.class);
    // A bootstrapped primary whose agent never started was never writable: no failover for silence.
    assertThat(policy.decide(c, evidence(unreported, lapsed, false)).reason()).isEqualTo(Reason.PRIMARY_NEVER_LEASED);
    // Not proven granted by a majority while the silence is unknown (the other members' words not in
    // yet count as "may have granted just now") is no proof it never leased: a primary cut from the
    // leader alone looks like this until the others answer (AgentCutFromLeaderProcessTest).
    assertThat(policy.decide(c, evidence(unreported, 0, false)).reason()).isEqualTo(Reason.LEASE_HELD_PRIMARY_UNREPORTED);
    // Exactly at the bound: not yet.
    assertThat(policy.decide(c, evidence(unreported, lapsed - 1, true)).reason()).isEqualTo(Reason.LEASE_HELD_PRIMARY_UNREPORTED);
  }

  @Test
  void aLeaderThatCannotReachThePrimaryButSeesItsRenewalsDoesNothing() {
    Decision d = policy.decide(cluster(Durability.ASYNC), evidence(nodes(replica("db2", "0-1-10", true)), 200, true));
    assertThat(d.reason()).isEqualTo(Reason.LEASE_HELD_PRIMARY_UNREPORTED);
    assertThat(d.action()).isInstanceOf(Action.None.class);
  }

  @Test
  void replicasLosingThePrimaryNeverTriggerAFailover() {
    Decision d = policy.decide(cluster(Durability.ASYNC), evidence(nodes(up("db1", "0-1-10"), replica("db2", "0-1-8", false),
        replica("db3", "0-1-8", false)), 100, true));
    assertThat(d.reason()).isEqualTo(Reason.REPLICAS_LOST_PRIMARY_LEASE_HELD);
    assertThat(d.action()).isInstanceOf(Action.None.class);
  }

  @Test
  void pauseAutoFailoverOffAndCooldownHoldAFailoverBack() {
    Evidence dead = evidence(nodes(down("db1", 600), replica("db2", "0-1-10", false)), 100, true);
    assertThat(policy.decide(cluster(Durability.ASYNC).toBuilder().setPaused(true).build(), dead).reason()).isEqualTo(Reason.PAUSED);
    ClusterRecord off = cluster(Durability.ASYNC);
    off = off.toBuilder().setSettings(off.getSettings().toBuilder().setAutoFailover(false)).build();
    assertThat(policy.decide(off, dead).reason()).isEqualTo(Reason.AUTO_FAILOVER_OFF);
    ClusterRecord recent = cluster(Durability.ASYNC).toBuilder().setLastAutoFailoverAtMillis(dead.wallMillis() - 1000).build();
    assertThat(policy.decide(recent, dead).reason()).isEqualTo(Reason.COOLDOWN);
  }

  // ---- the workflow's steps (DESIGN §3.4, §3.5) ----

  @Test
  void fencedOnlyByTheAgentsConfirmationOrAProvablyLapsedLease() {
    ClusterRecord begun = inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.BEGUN, "");
    Evidence fresh = evidence(nodes(released(replica("db2", "0-1-10", false), 1)), 1000, true);
    assertThat(policy.decide(begun, fresh).reason()).isEqualTo(Reason.AWAITING_FENCE);
    // A "not done" acknowledgement is no confirmation.
    ClusterRecord notDone = withAck(begun, "fence", "db1", false, "");
    assertThat(policy.decide(notDone, fresh).reason()).isEqualTo(Reason.AWAITING_FENCE);
    Decision acked = policy.decide(withAck(begun, "fence", "db1", true, "0-1-12"), fresh);
    assertThat(acked.reason()).isEqualTo(Reason.FENCE_CONFIRMED_BY_AGENT);
    assertThat(acked.action()).isEqualTo(new Action.Advance(WorkflowStep.FENCED, "", "", "0-1-12"));
    long pastLapse = PolicySettings.defaults().lapseBoundMillis(TTL) + 1;
    // Failsafe: db1 may hold by db2's promise until db2 reports itself released for epoch 1.
    Evidence unreleased = evidence(nodes(replica("db2", "0-1-10", false)), pastLapse, true);
    assertThat(policy.decide(begun, unreleased).reason()).isEqualTo(Reason.AWAITING_FAILSAFE_RELEASE);
    Evidence lapsed = evidence(nodes(released(replica("db2", "0-1-10", false), 1)), pastLapse, true);
    assertThat(policy.decide(begun, lapsed).reason()).isEqualTo(Reason.FENCED_BY_LEASE_LAPSE);
    // With failsafe off no release is needed.
    ClusterRecord off = begun.toBuilder().setSettings(begun.getSettings().toBuilder().setFailsafe(false)).build();
    assertThat(policy.decide(off, unreleased).reason()).isEqualTo(Reason.FENCED_BY_LEASE_LAPSE);
  }

  @Test
  void withSqlAccessTheControllerFencesADegradedPrimaryItselfAndReadsItsFinalPosition() {
    ClusterRecord begun = inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.BEGUN, "");
    long lapse = PolicySettings.defaults().lapseBoundMillis(TTL);
    Evidence.SqlFence none = new Evidence.SqlFence(true, null, 0);
    // Failsafe: no SQL fence (db1's agent could undo it while it holds by promises) before a release.
    assertThat(policy.decide(begun, withSql(nodes(replica("db2", "0-1-10", true)), 100, 1000, none)).reason())
        .isEqualTo(Reason.AWAITING_FAILSAFE_RELEASE);
    Map<String, NodeView> views = nodes(released(replica("db2", "0-1-10", true), 1));
    // Within the agent's second: wait for it.
    assertThat(policy.decide(begun, withSql(views, 500, 200, none)).reason()).isEqualTo(Reason.AWAITING_FENCE);
    // After it, or with the lease already lapsed: one SQL attempt first.
    assertThat(policy.decide(begun, withSql(views, 100, 1000, none)).action()).isInstanceOf(Action.FenceOverSql.class);
    assertThat(policy.decide(begun, withSql(views, lapse + 1, 0, none)).reason()).isEqualTo(Reason.FENCING_OVER_SQL);
    // It held: FENCED with the final position.
    Evidence.SqlFence held = new Evidence.SqlFence(true, new SqlFencer.Result(true, "0-1-12", "fenced over SQL"), 10);
    Decision d = policy.decide(begun, withSql(views, 100, 1100, held));
    assertThat(d.reason()).isEqualTo(Reason.FENCED_OVER_SQL);
    assertThat(d.action()).isEqualTo(new Action.Advance(WorkflowStep.FENCED, "", "", "0-1-12"));
    // It failed (host gone): the lapse rule decides; before the lapse, another try every 2 s.
    Evidence.SqlFence failed = new Evidence.SqlFence(true, new SqlFencer.Result(false, "", "connection refused"), 100);
    assertThat(policy.decide(begun, withSql(views, lapse + 1, 1100, failed)).reason()).isEqualTo(Reason.FENCED_BY_LEASE_LAPSE);
    assertThat(policy.decide(begun, withSql(views, 100, 1100, failed)).reason()).isEqualTo(Reason.AWAITING_FENCE);
    Evidence.SqlFence old = new Evidence.SqlFence(true, failed.last(), 2100);
    assertThat(policy.decide(begun, withSql(views, 100, 3200, old)).reason()).isEqualTo(Reason.FENCING_OVER_SQL);
  }

  private static Evidence withSql(Map<String, NodeView> nodes, long silence, long stepAge, Evidence.SqlFence sql) {
    return new Evidence(nodes, silence, true, stepAge, 10_000_000, GtidFlavor.MARIADB, sql);
  }

  @Test
  void theMostAdvancedReplicaIsChosenAndItMustHaveTheOldPrimarysFinalPosition() {
    ClusterRecord fenced = inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.FENCED, "");
    Decision d = policy.decide(fenced, evidence(nodes(replica("db2", "0-1-9", false), replica("db3", "0-1-10", false)), 1000, true));
    assertThat(d.reason()).isEqualTo(Reason.CANDIDATE_SAFE);
    assertThat(((Action.Advance) d.action()).candidate()).isEqualTo("db3");

    ClusterRecord withFinal = fenced.toBuilder().setWorkflow(fenced.getWorkflow().toBuilder().setFinalGtids("0-1-12")).build();
    Evidence behind = evidence(nodes(replica("db2", "0-1-10", false), replica("db3", "0-1-10", false)), 1000, true);
    assertThat(policy.decide(withFinal, behind).reason()).isEqualTo(Reason.AWAITING_CATCH_UP);
  }

  @Test
  void aReplicaTheLeaderCannotSeeIsWaitedForBeforeChoosingWithoutIt() {
    ClusterRecord fenced = inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.FENCED, "");
    NodeView staleDb3 = new NodeView("db3", replica("db3", "0-1-12", false).report(), 5000, -1);
    Map<String, NodeView> views = nodes(replica("db2", "0-1-10", false), staleDb3);
    // db3's last word says it is ahead; it may be: wait for it first.
    assertThat(policy.decide(fenced, evidenceAt(views, 1000)).reason()).isEqualTo(Reason.AWAITING_CATCH_UP);
    Decision late = policy.decide(fenced, evidenceAt(views, 6000));
    assertThat(late.reason()).isEqualTo(Reason.CANDIDATE_SAFE);
    assertThat(((Action.Advance) late.action()).candidate()).isEqualTo("db2");
    assertThat(late.detail()).contains("chosen without [db3]");
  }

  @Test
  void inSemiSyncWithoutAFinalPositionTheReplicasStopReceivingBeforeACandidateIsChosen() {
    ClusterRecord fenced = inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.FENCED, "");
    fenced = fenced.toBuilder().setSettings(fenced.getSettings().toBuilder().setDurability(Durability.SEMI_SYNC)).build();
    Map<String, NodeView> views = nodes(replica("db2", "0-1-10", false), replica("db3", "0-1-9", false));
    assertThat(policy.decide(fenced, evidenceAt(views, 100)).reason()).isEqualTo(Reason.AWAITING_DETACH);
    // A "not done" answer (an agent that cannot detach) is an answer too: it is not waited for.
    ClusterRecord oneAnswered = withAck(fenced, "detach", "db2", true, "");
    assertThat(policy.decide(oneAnswered, evidenceAt(views, 100)).detail()).contains("[db3]").doesNotContain("db2");
    Decision chosen = policy.decide(withAck(oneAnswered, "detach", "db3", false, ""), evidenceAt(views, 100));
    assertThat(chosen.reason()).isEqualTo(Reason.CANDIDATE_SAFE);
    assertThat(((Action.Advance) chosen.action()).candidate()).isEqualTo("db2");
    // An agent that never answers holds the choice back for candidateWait only.
    assertThat(policy.decide(fenced, evidenceAt(views, 6000)).reason()).isEqualTo(Reason.CANDIDATE_SAFE);
    // A replica the leader cannot see is not waited for as detaching (the unseen wait covers it).
    NodeView staleDb3 = new NodeView("db3", replica("db3", "0-1-9", false).report(), 5000, -1);
    assertThat(policy.decide(oneAnswered, evidenceAt(nodes(replica("db2", "0-1-10", false), staleDb3), 100)).reason())
        .isEqualTo(Reason.AWAITING_CATCH_UP);
    // With the old primary's final position known, the candidate keeps receiving to catch up: no detach.
    ClusterRecord withFinal = fenced.toBuilder().setWorkflow(fenced.getWorkflow().toBuilder().setFinalGtids("0-1-10")).build();
    assertThat(policy.decide(withFinal, evidenceAt(views, 100)).reason()).isEqualTo(Reason.CANDIDATE_SAFE);
    // Async: there is no acknowledgement to deny, and replicas keep collecting the old primary's tail.
    assertThat(policy.decide(inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.FENCED, ""), evidenceAt(views, 100)).reason())
        .isEqualTo(Reason.CANDIDATE_SAFE);
  }

  @Test
  void asyncGoesLossyLoudlyAfterTheWaitAndSemiSyncNever() {
    Map<String, NodeView> split = nodes(replica("db2", "0-1-10,1-2-5", false), replica("db3", "0-1-11", false));
    ClusterRecord async = inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.FENCED, "");
    assertThat(policy.decide(async, evidenceAt(split, 1000)).reason()).isEqualTo(Reason.NO_CANDIDATE);
    Decision lossy = policy.decide(async, evidenceAt(split, 6000));
    assertThat(lossy.reason()).isEqualTo(Reason.CANDIDATE_LOSSY);
    assertThat(((Action.Advance) lossy.action()).lostGtids()).isNotEmpty();
    ClusterRecord semi = inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.FENCED, "");
    semi = semi.toBuilder().setSettings(semi.getSettings().toBuilder().setDurability(Durability.SEMI_SYNC)).build();
    assertThat(policy.decide(semi, evidenceAt(split, 60_000)).reason()).isEqualTo(Reason.NO_CANDIDATE);
  }

  @Test
  void aSwitchoverWaitsForItsTargetToCatchUpThenAbortsAfterTheTimeout() {
    ClusterRecord fenced = inWorkflow(WorkflowKind.SWITCHOVER, WorkflowStep.FENCED, "db2");
    fenced = fenced.toBuilder().setWorkflow(fenced.getWorkflow().toBuilder().setFinalGtids("0-1-12")).build();
    assertThat(policy.decide(fenced, evidenceAt(nodes(replica("db2", "0-1-11", true)), 100)).reason())
        .isEqualTo(Reason.AWAITING_CATCH_UP);
    Decision ready = policy.decide(fenced, evidenceAt(nodes(replica("db2", "0-1-12", true)), 100));
    assertThat(ready.reason()).isEqualTo(Reason.CANDIDATE_SAFE);
    assertThat(((Action.Advance) ready.action()).candidate()).isEqualTo("db2");
    Decision late = policy.decide(fenced, evidenceAt(nodes(replica("db2", "0-1-11", true)), 31_000));
    assertThat(late.reason()).isEqualTo(Reason.SWITCHOVER_TARGET_NOT_CAUGHT_UP);
    assertThat(late.action()).isInstanceOf(Action.Abort.class);
  }

  @Test
  void promotedOnlyWhenTheCandidateSaysItIsWritable() {
    ClusterRecord chosen = inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.CANDIDATE_CHOSEN, "db2");
    assertThat(policy.decide(chosen, evidenceAt(nodes(), 100)).reason()).isEqualTo(Reason.AWAITING_PROMOTION);
    Decision d = policy.decide(withAck(chosen, "promote", "db2", true, "0-1-12"), evidenceAt(nodes(), 100));
    assertThat(d.reason()).isEqualTo(Reason.PROMOTION_CONFIRMED);
    assertThat(((Action.Advance) d.action()).step()).isEqualTo(WorkflowStep.PROMOTED);
  }

  @Test
  void aCandidateBoundByItsOwnPromiseIsShownWaitingForIt() {
    ClusterRecord chosen = inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.CANDIDATE_CHOSEN, "db2");
    NodeView db2 = replica("db2", "0-1-12", true);
    NodeView bound = new NodeView("db2", db2.report().toBuilder().setPromiseBindsMillis(1800)
        .setPromiseBinding("promise to db1 (epoch 1, round 7) binds db2 for 1800 ms more").build(), 100, -1);
    Decision d = policy.decide(chosen, evidenceAt(nodes(bound), 100));
    assertThat(d.reason()).isEqualTo(Reason.AWAITING_CANDIDATE_PROMISE);
    assertThat(d.detail()).contains("1800 ms").contains("promise to db1");
    assertThat(d.action()).isInstanceOf(Action.None.class);
    // Once the promise ran out the wait is the ordinary one.
    assertThat(policy.decide(chosen, evidenceAt(nodes(db2), 100)).reason()).isEqualTo(Reason.AWAITING_PROMOTION);
  }

  @Test
  void nodesLeftBehindAreCheckedAgainstTheEpochsStartNotThePrimarysCurrentPosition() {
    // Epoch 2 began on db2 after 0-1-289. db1 comes back with 0-1-290, a write nobody else has; db2 is
    // at 0-2-291 by now, which "contains" 0-1-290 by MariaDB's per-domain position — the trap.
    ClusterRecord c = inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.DISCOVERY_PUBLISHED, "db2");
    c = c.toBuilder().setEpoch(2).setPrimary("db2")
        .addHistory(EpochRecord.newBuilder().setEpoch(2).setPrimary("db2").setStartGtids("0-1-289"))
        .setNodes(0, c.getNodes(0).toBuilder().setNeedsCheck(true).setCheckEpoch(2))
        .setNodes(2, c.getNodes(2).toBuilder().setNeedsCheck(true).setCheckEpoch(2)).build();
    Map<String, NodeView> views = nodes(primaryAt("db2", "0-2-291"), readOnly("db1", "0-1-290"), readOnly("db3", "0-1-289"));
    Decision first = policy.decide(c, evidenceAt(views, 100));
    assertThat(first.reason()).isEqualTo(Reason.NODE_QUARANTINED);
    assertThat(first.action()).isInstanceOf(Action.Settle.class);
    assertThat(((Action.Settle) first.action()).node()).isEqualTo("db1");
    assertThat(((Action.Settle) first.action()).extraGtids()).contains("0-1-290");

    ClusterRecord db1Done = c.toBuilder().setNodes(0, c.getNodes(0).toBuilder().setNeedsCheck(false)
        .setState(NodeState.QUARANTINED)).build();
    Decision second = policy.decide(db1Done, evidenceAt(views, 100));
    assertThat(second.reason()).isEqualTo(Reason.NODE_ADMITTED);
    assertThat(((Action.Settle) second.action()).node()).isEqualTo("db3");
  }

  @Test
  void aNodeJoiningARunningClusterIsCheckedOnlyAgainstAPrimaryReportNewerThanItsOwn() {
    // Re-cloned db3 replicates from db2 and reports 0-2-500; db2's own newest report (older) says 0-2-480.
    ClusterRecord c = cluster(Durability.SEMI_SYNC).toBuilder().setEpoch(2).setPrimary("db2").build();
    c = c.toBuilder().setNodes(2, c.getNodes(2).toBuilder().setNeedsCheck(true).setCheckEpoch(0)).build();
    NodeView olderPrimary = new NodeView("db2", primaryAt("db2", "0-2-480").report(), 300, -1);
    NodeView newerNode = new NodeView("db3", readOnly("db3", "0-2-500").report(), 100, -1);
    Decision early = policy.decide(c, evidenceAt(nodes(olderPrimary, newerNode), 0));
    assertThat(early.reason()).as("no verdict on an older primary report").isNotIn(Reason.NODE_QUARANTINED, Reason.NODE_ADMITTED);

    NodeView newerPrimary = new NodeView("db2", primaryAt("db2", "0-2-520").report(), 50, -1);
    Decision later = policy.decide(c, evidenceAt(nodes(newerPrimary, newerNode), 0));
    assertThat(later.reason()).isEqualTo(Reason.NODE_ADMITTED);

    NodeView errant = new NodeView("db3", readOnly("db3", "0-3-521").report(), 100, -1);
    assertThat(policy.decide(c, evidenceAt(nodes(newerPrimary, errant), 0)).reason()).isEqualTo(Reason.NODE_QUARANTINED);

    // A heartbeat report is fresh for its whole promise: arrived 1,900 ms ago with a 2 s promise, its
    // age counts as 0, yet it was made before the node's report of 100 ms ago. No verdict on it.
    NodeView heartbeatPrimary = new NodeView("db2", primaryAt("db2", "0-2-480").report(), 0, -1, 1_900);
    Decision onHeartbeat = policy.decide(c, evidenceAt(nodes(heartbeatPrimary, newerNode), 0));
    assertThat(onHeartbeat.reason()).as("no verdict on a primary report sent before the node's")
        .isNotIn(Reason.NODE_QUARANTINED, Reason.NODE_ADMITTED);
  }

  @Test
  void repointedThenComplete() {
    ClusterRecord published = inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.DISCOVERY_PUBLISHED, "db2")
        .toBuilder().setPrimary("db2").build();
    NodeView db3 = new NodeView("db3", HealthReport.newBuilder().setMysqldUp(true).setReadOnly(true).setIoRunning(true)
        .setSource("10.0.0.2:3306").setExecutedGtids("0-2-5").build(), 100, -1);
    assertThat(policy.decide(published, evidenceAt(nodes(db3), 100)).reason()).isEqualTo(Reason.REPOINTED);
    NodeView elsewhere = new NodeView("db3", db3.report().toBuilder().setSource("10.0.0.1:3306").build(), 100, -1);
    assertThat(policy.decide(published, evidenceAt(nodes(elsewhere), 100)).reason()).isEqualTo(Reason.AWAITING_REPOINT);
    assertThat(policy.decide(published, evidenceAt(nodes(elsewhere), 11_000)).reason()).isEqualTo(Reason.REPOINT_TIMED_OUT);
    assertThat(policy.decide(inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.REPOINTED, "db2"), evidenceAt(nodes(), 0)).action())
        .isInstanceOf(Action.Complete.class);
  }

  // ---- when the orchestrator looks again ----

  @Test
  void aHealthyClusterWaitsUntilItsLeaseCouldLapseOrItsPrimaryGoStaleAndNoLonger() {
    ClusterRecord c = cluster(Durability.ASYNC);
    long lapse = PolicySettings.defaults().lapseBoundMillis(TTL);
    long stale = PolicySettings.defaults().reportStaleAfter().toMillis();
    NodeView db2 = replica("db2", "0-1-10", true);
    // The lease deadline is nearer: the wait ends exactly where the silence crosses the lapse bound.
    long silence = lapse - 300;
    Evidence now = evidence(nodes(up("db1", "0-1-10"), db2), silence, true);
    Decision healthy = policy.decide(c, now);
    assertThat(healthy.reason()).isEqualTo(Reason.PRIMARY_HEALTHY);
    long wait = policy.waitMillis(c, healthy, now, 1000);
    assertThat(wait).isEqualTo(300);
    assertThat(policy.decide(c, evidence(nodes(up("db1", "0-1-10"), db2), silence + wait, true)).reason())
        .isEqualTo(Reason.PRIMARY_HEALTHY);
    assertThat(policy.decide(c, evidence(nodes(up("db1", "0-1-10"), db2), silence + wait + 1, true)).reason())
        .isEqualTo(Reason.LEASE_LAPSED);
    // The report deadline is nearer: the wait ends where the primary's report goes stale.
    NodeView ageing = new NodeView("db1", up("db1", "0-1-10").report(), stale - 200, -1);
    Evidence quietPrimary = evidence(nodes(ageing, db2), 100, true);
    assertThat(policy.waitMillis(c, policy.decide(c, quietPrimary), quietPrimary, 1000)).isEqualTo(200);
    NodeView stalePrimary = new NodeView("db1", ageing.report(), stale + 1, -1);
    assertThat(policy.decide(c, evidence(nodes(stalePrimary, db2), 100, true)).reason())
        .isEqualTo(Reason.LEASE_HELD_PRIMARY_UNREPORTED);
    // Neither is near: the longest wait.
    Evidence fresh = evidence(nodes(up("db1", "0-1-10"), db2), 100, true);
    assertThat(policy.waitMillis(c, policy.decide(c, fresh), fresh, 1000)).isEqualTo(1000);
  }

  @Test
  void anythingButAHealthyPrimaryIsLookedAtEveryTick() {
    ClusterRecord c = cluster(Durability.ASYNC);
    Evidence down = evidence(nodes(down("db1", 200), replica("db2", "0-1-10", false)), 100, true);
    assertThat(policy.waitMillis(c, policy.decide(c, down), down, 1000)).isZero();
    Evidence lapsing = evidence(nodes(up("db1", "0-1-10"), replica("db2", "0-1-10", true)),
        PolicySettings.defaults().lapseBoundMillis(TTL) + 1, true);
    assertThat(policy.waitMillis(c, policy.decide(c, lapsing), lapsing, 1000)).isZero();
    ClusterRecord inFlight = inWorkflow(WorkflowKind.FAILOVER, WorkflowStep.BEGUN, "");
    Evidence steady = evidenceAt(nodes(), 0);
    assertThat(policy.waitMillis(inFlight, policy.decide(inFlight, steady), steady, 1000)).isZero();
    // A lease past its bound is never waited on, whatever the decision says.
    Evidence lapsed = evidence(nodes(up("db1", "0-1-10")), PolicySettings.defaults().lapseBoundMillis(TTL) + 50, true);
    assertThat(policy.waitMillis(c, Decision.none(Reason.PRIMARY_HEALTHY, "stale"), lapsed, 1000)).isZero();
    // Only a commit moves a cluster without an epoch: the longest wait.
    ClusterRecord fresh = c.toBuilder().setEpoch(0).build();
    assertThat(policy.waitMillis(fresh, policy.decide(fresh, steady), steady, 1000)).isEqualTo(1000);
  }

  @Test
  void aPrimaryUnreportedHereButRenewingWaitsOnlyUntilItsLeaseCouldLapse() {
    ClusterRecord c = cluster(Durability.ASYNC);
    long lapse = PolicySettings.defaults().lapseBoundMillis(TTL);
    Evidence unreported = evidence(nodes(replica("db2", "0-1-10", true)), lapse - 400, true);
    Decision d = policy.decide(c, unreported);
    assertThat(d.reason()).isEqualTo(Reason.LEASE_HELD_PRIMARY_UNREPORTED);
    assertThat(policy.waitMillis(c, d, unreported, 1000)).isEqualTo(400);
    assertThat(policy.decide(c, evidence(nodes(replica("db2", "0-1-10", true)), lapse + 1, true)).reason())
        .isEqualTo(Reason.LEASE_LAPSED);
    // A primary that never took its lease changes only by a grant or a report: the longest wait.
    Evidence neverLeased = evidence(nodes(up("db1", "0-1-10"), replica("db2", "0-1-10", true)), 60_000, false);
    Decision waiting = policy.decide(c, neverLeased);
    assertThat(waiting.reason()).isEqualTo(Reason.PRIMARY_NEVER_LEASED);
    assertThat(policy.waitMillis(c, waiting, neverLeased, 1000)).isEqualTo(1000);
  }

  // ---- fixtures ----

  private static ClusterRecord cluster(Durability durability) {
    ClusterRecord.Builder b = ClusterRecord.newBuilder().setName("orders").setEpoch(1).setPrimary("db1")
        .setSettings(ClusterSettings.newBuilder().setDurability(durability).setLeaseTtlMillis(TTL).setAutoFailover(true)
            .setCooldownMillis(300_000).setHistoryLimit(100))
        .addHistory(EpochRecord.newBuilder().setEpoch(1).setPrimary("db1"));
    for (int i = 1; i <= 3; i++) {
      b.addNodes(NodeRecord.newBuilder().setNode("db" + i).setHost("10.0.0." + i).setPort(3306)
          .setPromotionRule(PromotionRule.NEUTRAL).setState(NodeState.ONLINE));
    }
    return b.build();
  }

  private static ClusterRecord inWorkflow(WorkflowKind kind, WorkflowStep step, String target) {
    ClusterRecord c = cluster(Durability.ASYNC);
    boolean chosen = step.getNumber() >= WorkflowStep.CANDIDATE_CHOSEN.getNumber();
    return c.toBuilder().setEpoch(chosen ? 2 : 1).setPrimary(chosen ? target : "db1")
        .setWorkflow(WorkflowRecord.newBuilder().setKind(kind).setTargetEpoch(2).setFrom("db1").setTarget(target).setStep(step))
        .build();
  }

  private static ClusterRecord withAck(ClusterRecord c, String kind, String node, boolean done, String gtids) {
    return c.toBuilder().setWorkflow(c.getWorkflow().toBuilder().addAcks(AckRecord.newBuilder().setNode(node)
        .setDirectiveId("orders/2/" + kind + "/" + node).setDone(done).setGtids(gtids))).build();
  }

  private static Map<String, NodeView> nodes(NodeView... views) {
    Map<String, NodeView> m = new HashMap<>();
    for (NodeView v : views) m.put(v.node(), v);
    return m;
  }

  private static NodeView up(String node, String gtids) {
    return new NodeView(node, HealthReport.newBuilder().setMysqldUp(true).setExecutedGtids(gtids).build(), 100, -1);
  }

  private static NodeView primaryAt(String node, String gtids) {
    return up(node, gtids);
  }

  private static NodeView readOnly(String node, String gtids) {
    return new NodeView(node, HealthReport.newBuilder().setMysqldUp(true).setReadOnly(true).setExecutedGtids(gtids).build(), 100, -1);
  }

  private static NodeView down(String node, long forMillis) {
    return new NodeView(node, HealthReport.newBuilder().setMysqldUp(false).setError("Connection refused").build(), 100, forMillis);
  }

  /** A replica of db1 (10.0.0.1:3306), relay log applied, IO thread running or not. */
  private static NodeView replica(String node, String gtids, boolean ioRunning) {
    return new NodeView(node, HealthReport.newBuilder().setMysqldUp(true).setReadOnly(true).setIoRunning(ioRunning)
        .setSqlRunning(true).setSource("10.0.0.1:3306").setExecutedGtids(gtids).setReceivedGtids(gtids).setLagSeconds(0).build(),
        100, -1);
  }

  /** The node's report says it is released from failsafe promises through {@code epoch}. */
  private static NodeView released(NodeView v, long epoch) {
    return new NodeView(v.node(), v.report().toBuilder().setFailsafeReleasedThrough(epoch).build(), v.reportAgeMillis(),
        v.downForMillis(), v.receivedAgeMillis());
  }

  private static Evidence evidence(Map<String, NodeView> nodes, long leaseSilence, boolean everRenewed) {
    return new Evidence(nodes, leaseSilence, everRenewed, 0, 10_000_000, GtidFlavor.MARIADB);
  }

  private static Evidence evidenceAt(Map<String, NodeView> nodes, long stepAge) {
    return new Evidence(nodes, 100, true, stepAge, 10_000_000, GtidFlavor.MARIADB);
  }
}
