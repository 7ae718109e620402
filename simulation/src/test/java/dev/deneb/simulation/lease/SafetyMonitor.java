package dev.deneb.simulation.lease;

import dev.deneb.state.ClusterStateMachine;
import dev.deneb.state.DenebState;
import java.util.HashSet;
import java.util.Set;

/**
 * The invariants, checked after every event and every keeper step:
 * <ul>
 *   <li><b>S1</b> — no two databases accept writes at the same real time (checking at every event is
 *       enough: a database starts accepting writes only at one of its agent's steps);
 *   <li><b>S3</b> — a keeper's highest epoch seen never goes down, and it is writable only for the
 *       highest epoch it has seen and was told of;
 *   <li><b>S2</b> — it is writable only for an epoch the committed log names its node primary of.
 * </ul>
 * At the end of a run (STYLE 15's validations): every member's applied state is the state of its
 * applied prefix of the one log, and no agent has seen an epoch the log never committed or began.
 * And at every grant ({@link ModelMember}): with the catch-up gate, no member grants from an applied
 * state behind one it had applied before a restart.
 *
 * <p>Also measures, for every new primary made writable after a FENCED by lease lapse, how long after
 * the old primary's last writable instant that happened (the slack the lapse bound left).
 */
final class SafetyMonitor {
  private final LeaseModel model;
  private final Set<Long> promoted = new HashSet<>();
  private String violation;

  SafetyMonitor(LeaseModel model) {
    this.model = model;
  }

  String violation() {
    return violation;
  }

  void fail(String what) {
    if (violation != null) return;
    violation = what;
    model.trace.note("VIOLATION %s", what);
    model.scheduler.stop();
  }

  void afterEvent() {
    long t = model.scheduler.now();
    ModelAgent a = model.agents.get(0);
    ModelAgent b = model.agents.get(1);
    if (a.writableAt(t) && b.writableAt(t)) {
      fail("S1: " + a.node() + " (epoch " + a.unfencedEpoch() + ", writable until " + ms(a.writableUntil(Long.MAX_VALUE))
          + " ms) and " + b.node() + " (epoch " + b.unfencedEpoch() + ", writable until " + ms(b.writableUntil(Long.MAX_VALUE))
          + " ms) both accept writes at " + ms(t) + " ms (during: " + model.scheduler.current() + ")");
    }
  }

  void becameWritable(ModelAgent agent, long real) {
    long epoch = agent.unfencedEpoch();
    if (!model.lapseFenced.contains(epoch) || !promoted.add(epoch)) return;
    model.stats.promotionsAfterLapse++;
    ModelAgent other = model.agents.get(0) == agent ? model.agents.get(1) : model.agents.get(0);
    if (other.writableAt(real)) return; // S1 reports it
    if (other.paused() && other.keeperWritable()) model.stats.promotionsOverPausedAgent++;
    long until = other.writableUntil(real);
    if (until != Long.MIN_VALUE) model.stats.minSlackNanos = Math.min(model.stats.minSlackNanos, real - until);
    model.trace.note("%s writable for epoch %d after a lapse: %s stopped accepting writes %d ms earlier", agent.node(), epoch,
        other.node(), until == Long.MIN_VALUE ? -1 : (real - until) / 1_000_000);
  }

  void afterKeeperStep(ModelAgent agent, long highestBefore, boolean writable) {
    long highest = agent.highestEpochSeen();
    if (highest < highestBefore) fail("S3: " + agent.node() + "'s highest epoch seen went down from " + highestBefore + " to " + highest);
    if (!writable) return;
    long epoch = agent.unfencedEpoch();
    if (epoch != highest || epoch < agent.maxEpochTold()) {
      fail("S3: " + agent.node() + " writable for epoch " + epoch + " while it has seen " + highest + " and was told of "
          + agent.maxEpochTold());
    }
    if (!agent.node().equals(model.raft.primaryOf(epoch))) {
      fail("S2: " + agent.node() + " writable for epoch " + epoch + ", which the committed log gives to " + model.raft.primaryOf(epoch));
    }
  }

  void atEnd() {
    if (violation != null) return;
    // A fence directive carries the workflow's target epoch before the log names it.
    long highest = model.raft.committedState().cluster(LeaseModel.CLUSTER)
        .map(c -> Math.max(c.getEpoch(), c.hasWorkflow() ? c.getWorkflow().getTargetEpoch() : 0)).orElse(0L);
    for (ModelMember m : model.members) {
      DenebState prefix = DenebState.EMPTY;
      for (int i = 0; i < m.appliedIndex(); i++) {
        ModelRaft.Entry e = model.raft.entry(i);
        prefix = ClusterStateMachine.apply(prefix, e.command(), e.term()).state();
      }
      if (!prefix.equals(m.applied())) fail("model: " + m.id() + "'s applied state is not that of its prefix #" + m.appliedIndex());
    }
    for (ModelAgent a : model.agents) {
      if (a.highestEpochSeen() > highest) {
        fail("S2: " + a.node() + " has seen epoch " + a.highestEpochSeen() + " but the log committed (or began) only up to " + highest);
      }
    }
  }

  private static String ms(long nanos) {
    return nanos == Long.MIN_VALUE ? "never" : String.format("%.3f", nanos / 1e6);
  }
}
