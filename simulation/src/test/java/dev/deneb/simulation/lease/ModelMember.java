package dev.deneb.simulation.lease;

import dev.deneb.controller.lease.AppliedCommands;
import dev.deneb.controller.lease.GrantTable;
import dev.deneb.controller.lease.LeaseKey;
import dev.deneb.controller.lease.LeaseView;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.Directive;
import dev.deneb.protocol.Refusal;
import dev.deneb.state.ClusterStateMachine;
import dev.deneb.state.DenebState;
import dev.deneb.state.Directives;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * One controller member: its own applied prefix of the committed log, its own real
 * {@link GrantTable} fed from that applied state (as {@code ControllerNode} wires it), its own
 * drifting clock. It grants renewal rounds, answers the leader's view requests, tells the agents the
 * epoch it has applied (and, when the run has the fence path, the fence directive), and forwards
 * agents' acknowledgements to the leader.
 *
 * <p>It applies committed entries at arbitrary later times: mostly within milliseconds, sometimes
 * hundreds, and not at all while stalled or paused. A paused member does nothing; messages and timers
 * that reach it wait and run when it resumes (a SIGSTOPped process).
 */
final class ModelMember implements ModelNetwork.Process {
  static final long MS = 1_000_000;

  private final String id;
  final DriftingClock clock;
  private final LeaseModel model;
  private final SplittableRandom random;
  private GrantTable grants;
  private DenebState applied = DenebState.EMPTY;
  private int appliedIndex;
  private boolean paused;
  private long stalledUntil;
  private boolean applyScheduled;
  /** Counts restarts: a timer of an earlier incarnation does nothing. */
  private int incarnation;
  private final List<Runnable> inbox = new ArrayList<>();
  private final Map<String, String> sentEpoch = new HashMap<>();
  private final Map<String, String> sentDirective = new HashMap<>();

  ModelMember(String id, DriftingClock clock, LeaseModel model) {
    this.id = id;
    this.clock = clock;
    this.model = model;
    this.random = model.random;
    this.grants = new GrantTable(() -> applied, clock.read(model.scheduler.now()));
  }

  @Override
  public String id() {
    return id;
  }

  long now() {
    return clock.read(model.scheduler.now());
  }

  boolean paused() {
    return paused;
  }

  int appliedIndex() {
    return appliedIndex;
  }

  DenebState applied() {
    return applied;
  }

  Optional<ClusterRecord> cluster() {
    return applied.cluster(LeaseModel.CLUSTER);
  }

  LeaseView view(LeaseKey key) {
    return grants.view(key, now());
  }

  @Override
  public void receive(String what, Runnable handler) {
    if (paused) inbox.add(handler); else handler.run();
  }

  void pause() {
    paused = true;
    model.trace.note("%s paused", id);
  }

  void resume() {
    paused = false;
    model.trace.note("%s resumed with %d messages and timers waiting", id, inbox.size());
    for (Runnable r : inbox) model.scheduler.after(0, id + " resumed: waiting message", () -> receive("waiting", r));
    inbox.clear();
  }

  /**
   * The process crashes and starts again (only with {@link LeaseModel.Config#restarts}): it forgets its
   * grants (a new GrantTable, whose start counts as a grant), every message and timer in flight, and
   * its applied state falls back {@code back} entries — to its snapshot, or to the commit index it had
   * persisted — from where it applies again as usual.
   */
  void restart(int back) {
    int to = Math.max(0, appliedIndex - back);
    DenebState state = DenebState.EMPTY;
    for (int i = 0; i < to; i++) state = ClusterStateMachine.apply(state, model.raft.entry(i).command(), model.raft.entry(i).term()).state();
    model.trace.note("%s restarts: applied #%d falls back to #%d", id, appliedIndex - 1, to - 1);
    applied = state;
    appliedIndex = to;
    grants = new GrantTable(() -> applied, now());
    inbox.clear();
    sentEpoch.clear();
    sentDirective.clear();
    paused = false;
    applyScheduled = false;
    incarnation++;
    scheduleApply();
    keepalive();
  }

  void stallApplies(long untilReal) {
    stalledUntil = Math.max(stalledUntil, untilReal);
  }

  void start() {
    scheduleApply();
    keepalive();
  }

  // ---- the log ---------------------------------------------------------------------------------

  /** New entries were committed. */
  void committed() {
    scheduleApply();
  }

  private void scheduleApply() {
    if (applyScheduled || appliedIndex >= model.raft.size()) return;
    applyScheduled = true;
    int r = random.nextInt(100);
    long lag = r < 70 ? random.nextLong(0, 5_000) : r < 95 ? random.nextLong(5_000, 200_000) : random.nextLong(200_000, 2_000_000);
    int life = incarnation;
    model.scheduler.at(Math.max(model.scheduler.now() + lag * 1_000, stalledUntil), id + " apply",
        () -> receive("apply", () -> {
          if (life == incarnation) applySome();
        }));
  }

  private void applySome() {
    applyScheduled = false;
    if (model.scheduler.now() < stalledUntil) {
      scheduleApply();
      return;
    }
    int target = random.nextInt(3) == 0 ? appliedIndex + 1 : model.raft.size();
    while (appliedIndex < target) applyOne();
    scheduleApply();
  }

  private void applyOne() {
    ModelRaft.Entry e = model.raft.entry(appliedIndex);
    Command command = e.command();
    applied = ClusterStateMachine.apply(applied, command, e.term()).state();
    appliedIndex++;
    // As ControllerNode's command listener: after the image is published, the grant table notes the epoch.
    AppliedCommands.cluster(command).ifPresent(name -> grants.applied(name, applied, now()));
    if (command.hasBeginWorkflow() || command.hasAdvanceWorkflow() || command.hasBootstrapEpoch()) {
      model.trace.note("%s applied #%d %s", id, appliedIndex - 1, command);
    }
    for (ModelAgent a : model.agents) stream(a, false);
  }

  // ---- what the agents hear from this member ----------------------------------------------------

  /** As AgentGatewayService's stream: a notice when the applied epoch or primary changed, the directive when it changed. */
  private void stream(ModelAgent agent, boolean again) {
    Optional<ClusterRecord> found = cluster();
    if (found.isEmpty() || found.get().getEpoch() == 0) return;
    ClusterRecord c = found.get();
    String epoch = c.getEpoch() + "/" + c.getPrimary();
    if (again || !epoch.equals(sentEpoch.get(agent.id()))) {
      sentEpoch.put(agent.id(), epoch);
      long e = c.getEpoch();
      String primary = c.getPrimary();
      model.network.send(id, agent, "epoch " + epoch, () -> agent.onEpoch(id, e, primary));
    }
    if (!model.fenceDirectives) return;
    Optional<Directive> d = Directives.pending(c, agent.node()).filter(Directive::hasFence);
    if (d.isPresent() && (again || !d.get().getId().equals(sentDirective.get(agent.id())))) {
      sentDirective.put(agent.id(), d.get().getId());
      Directive directive = d.get();
      model.network.send(id, agent, "directive " + directive.getId(), () -> agent.onFenceDirective(this, directive));
    }
  }

  /** Every second the streams are refreshed (a broken stream reconnects and its Welcome repeats the epoch). */
  private void keepalive() {
    int life = incarnation;
    model.scheduler.after(clock.realFor(1_000 * MS), id + " keepalive", () -> receive("keepalive", () -> {
      if (life != incarnation) return;
      for (ModelAgent a : model.agents) stream(a, true);
      keepalive();
    }));
  }

  /** One renewal round from {@code agent}, judged from this member's applied state and answered at once. */
  void onRenew(ModelAgent agent, long requestId, long epoch) {
    Refusal refusal = grants.grant(LeaseModel.CLUSTER, agent.node(), epoch, now());
    boolean accepted = refusal == Refusal.REFUSAL_UNSPECIFIED;
    long memberEpoch = cluster().map(ClusterRecord::getEpoch).orElse(0L);
    model.network.send(id, agent, "grant r" + requestId + (accepted ? " yes" : " no " + refusal),
        () -> agent.onGrant(requestId, id, accepted, memberEpoch, refusal.name()));
  }

  /** The leader's question: this member's views of {@code keys}, taken now. */
  void onViewRequest(Orchestrator asker, long request, List<LeaseKey> keys) {
    List<LeaseView> views = new ArrayList<>();
    for (LeaseKey k : keys) views.add(grants.view(k, now()));
    model.network.send(id, asker.member(), "views", () -> asker.onViews(id, request, keys, views));
  }

  /** An agent's acknowledgement: forwarded to the leader, which commits it. */
  void onAck(Command recordAck) {
    ModelMember leader = model.raft.leader();
    if (leader == null) return;
    model.network.send(id, leader, "ack", () -> leader.proposeAck(recordAck));
  }

  private void proposeAck(Command recordAck) {
    if (model.raft.leader() == this) model.raft.propose(this, model.raft.term(), recordAck, "record the agent's ack");
  }
}
