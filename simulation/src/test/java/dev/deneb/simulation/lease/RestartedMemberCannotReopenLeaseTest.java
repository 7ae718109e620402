package dev.deneb.simulation.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.agent.lease.LeaseAction;
import dev.deneb.agent.lease.LeaseKeeper;
import dev.deneb.agent.lease.LeaseSettings;
import dev.deneb.controller.lease.GrantTable;
import dev.deneb.controller.lease.LapseRule;
import dev.deneb.controller.lease.LeaseKey;
import dev.deneb.protocol.AdvanceWorkflow;
import dev.deneb.protocol.BeginWorkflow;
import dev.deneb.protocol.BootstrapEpoch;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CreateCluster;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.RegisterNode;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.protocol.WorkflowStep;
import dev.deneb.state.Applied;
import dev.deneb.state.ClusterStateMachine;
import dev.deneb.state.DenebState;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A finding of the lease model, scripted on the production GrantTable, LapseRule, LeaseKeeper and
 * ClusterStateMachine: member B applies a failover's begin and tells the leader "closed", crashes,
 * and restarts with an applied state from before the begin while the leader, which cannot reach it,
 * keeps that closed word. Granting from the older state, B gave the old primary db1 a majority
 * with A (whose applier lagged) while the leader proved the lapse with B's stale word: db1 and db2
 * both accepted writes (S1 violated).
 *
 * <p>The fix (docs/lease.md, "Member restarts"): a restarted member's GrantTable grants nothing
 * ({@code MEMBER_CATCHING_UP}, epoch 0: no verdict for the agent) until its CatchUpGate's
 * linearizable read succeeds — a read index from a leader with a live majority, applied up to. B
 * cannot reach the leader, so it never catches up and never grants: db1 loses its lease, S1 holds.
 * Once the link heals, B catches up past the begin and refuses db1 for good.
 */
class RestartedMemberCannotReopenLeaseTest {
  static final long MS = 1_000_000;
  static final String C = "orders";

  private static DenebState apply(DenebState s, Command c) {
    Applied a = ClusterStateMachine.apply(s, c, 1);
    assertThat(a.result().getAccepted()).as("%s", a.result()).isTrue();
    return a.state();
  }

  @Test
  void aMemberRestartedBehindTheBeginGrantsNothingUntilItCaughtUp() {
    DenebState boot = DenebState.EMPTY;
    boot = apply(boot, Command.newBuilder().setCreateCluster(CreateCluster.newBuilder().setCluster(C)).build());
    for (String n : List.of("db1", "db2")) {
      boot = apply(boot, Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setCluster(C).setNode(n)
          .setHost("10.0.0." + n.charAt(2)).setPort(3306)).build());
    }
    boot = apply(boot, Command.newBuilder().setBootstrapEpoch(BootstrapEpoch.newBuilder().setCluster(C).setPrimary("db1")).build());
    DenebState begun = apply(boot, Command.newBuilder().setBeginWorkflow(BeginWorkflow.newBuilder().setCluster(C)
        .setKind(WorkflowKind.FAILOVER).setExpectedEpoch(1).setReason("operator").setTerm(1)).build());
    DenebState chosen = apply(apply(begun, advance(WorkflowStep.FENCED, "")), advance(WorkflowStep.CANDIDATE_CHOSEN, "db2"));

    // Members L (leader), A, B, each granting from its own applied state; one clock, no drift, in ms.
    // A fresh group: every table is caught up from the start.
    DenebState[] l = {boot};
    DenebState[] a = {boot};
    DenebState[] b = {boot};
    GrantTable gl = new GrantTable(() -> l[0], 0);
    GrantTable ga = new GrantTable(() -> a[0], 0);
    GrantTable[] gb = {new GrantTable(() -> b[0], 0)};
    for (GrantTable g : List.of(gl, ga, gb[0])) {
      g.markCaughtUp();
      g.applied(C, boot, 0);
    }
    LeaseKeeper db1 = new LeaseKeeper("db1", LeaseSettings.DEFAULTS, 0, 3);
    LeaseKeeper db2 = new LeaseKeeper("db2", LeaseSettings.DEFAULTS, 0, 3);
    db2.onCommittedEpoch(1, "db1", 0);
    LeaseKey lease = new LeaseKey(C, "db1", 1);

    // t=0: db1's round is granted by all three at t=10: db1 writable.
    long round = renew(db1.onCommittedEpoch(1, "db1", 0));
    for (var m : Map.of("L", gl, "A", ga, "B", gb[0]).entrySet()) {
      m.getValue().grant(C, "db1", 1, 10 * MS);
      db1.onGrant(round, m.getKey(), true, 1, "", 10 * MS);
    }
    assertThat(db1.writable()).isTrue();
    // t=100: an operator's failover begins; L and B apply it (closed); A's applier is stalled (open).
    l[0] = begun;
    gl.applied(C, begun, 100 * MS);
    b[0] = begun;
    gb[0].applied(C, begun, 100 * MS);
    // t=150: the leader's words: B closed (silent 140 ms), A open.
    Map<String, LapseRule.Word> words = new TreeMap<>();
    words.put("B", new LapseRule.Word("B", gb[0].view(lease, 150 * MS), 150 * MS));
    // t=200: B crashes and cannot reach the leader again (its closed word stays the newest);
    // t=300: B starts from an applied state before the begin, with a new grant table, not caught up.
    // Its CatchUpGate asks for a read index every 200 ms; the leader is unreachable, so none comes.
    b[0] = boot;
    gb[0] = new GrantTable(() -> b[0], 300 * MS);
    gb[0].applied(C, boot, 300 * MS);
    // db1 is cut off from L; every 500 ms its round reaches A and B. A grants; B, catching up, says
    // MEMBER_CATCHING_UP with epoch 0, as AgentGatewayService does. The leader waits for
    // revokedSilence > lapse bound and then commits FENCED and CANDIDATE_CHOSEN(db2).
    long bound = LeaseModel.POLICY.lapseBoundMillis(3_000);
    long t = 0;
    for (boolean fenced = false; !fenced; ) {
      t += 500;
      long granted = (t + 10) * MS;
      for (LeaseAction act : db1.tick(t * MS)) {
        if (!(act instanceof LeaseAction.Renew r)) continue;
        Refusal byA = ga.grant(C, "db1", 1, granted);
        Refusal byB = gb[0].grant(C, "db1", 1, granted);
        assertThat(byB).as("the restarted B at t=%d ms", t + 10).isEqualTo(Refusal.MEMBER_CATCHING_UP);
        db1.onGrant(r.requestId(), "A", byA == Refusal.REFUSAL_UNSPECIFIED, 1, byA.name(), granted);
        db1.onGrant(r.requestId(), "B", false, 0, byB.name(), granted);
      }
      long decided = (t + 20) * MS;
      words.put("A", new LapseRule.Word("A", ga.view(lease, decided), decided));
      LapseRule.LeaseStatus status = LapseRule.evaluate(3, "L", gl.view(lease, decided), words.values(), decided, 1_000);
      fenced = status.revokedSilenceMillis() > bound;
    }
    assertThat(gb[0].caughtUp()).isFalse();
    l[0] = chosen;
    gl.applied(C, chosen, (t + 30) * MS);
    // db1's last majority was the round at t=0 (from A alone since): its keeper fenced before that
    // lease's end, even before the leader proved the lapse.
    assertThat(db1.writable()).as("db1 at FENCED (t=%d ms), granted by A only since t=0", t + 20).isFalse();
    assertThat(db1.remainingNanos((t + 20) * MS)).isLessThanOrEqualTo(0);
    // A's applier catches up; db2 takes its lease from L and A.
    a[0] = chosen;
    ga.applied(C, chosen, (t + 50) * MS);
    long r2 = renew(db2.onCommittedEpoch(2, "db2", (t + 100) * MS));
    for (var m : Map.of("L", gl, "A", ga).entrySet()) {
      Refusal v = m.getValue().grant(C, "db2", 2, (t + 110) * MS);
      db2.onGrant(r2, m.getKey(), v == Refusal.REFUSAL_UNSPECIFIED, 2, v.name(), (t + 110) * MS);
    }
    db1.tick((t + 110) * MS);
    assertThat(db2.writable()).isTrue();
    assertThat(db1.writable() && db2.writable()).as("S1 at t=%d ms", t + 110).isFalse();

    // The link heals: B's read gets L's commit index (through CANDIDATE_CHOSEN); once B has applied up
    // to it, the gate opens — and B, now past the begin, refuses db1's old lease.
    b[0] = chosen;
    gb[0].applied(C, chosen, (t + 200) * MS);
    gb[0].markCaughtUp();
    assertThat(gb[0].grant(C, "db1", 1, (t + 210) * MS)).isEqualTo(Refusal.STALE_EPOCH);
    assertThat(gb[0].view(lease, (t + 210) * MS).closed()).isTrue();
  }

  private static Command advance(WorkflowStep step, String candidate) {
    return Command.newBuilder().setAdvanceWorkflow(AdvanceWorkflow.newBuilder().setCluster(C).setTargetEpoch(2).setStep(step)
        .setCandidate(candidate).setTerm(1)).build();
  }

  private static long renew(List<LeaseAction> actions) {
    return actions.stream().filter(x -> x instanceof LeaseAction.Renew).map(x -> ((LeaseAction.Renew) x).requestId())
        .findFirst().orElseThrow();
  }
}
