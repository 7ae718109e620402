package dev.deneb.simulation.lease;

import dev.deneb.controller.lease.AppliedCommands;
import dev.deneb.controller.lease.GrantTable;
import dev.deneb.controller.lease.LeaseKey;
import dev.deneb.controller.lease.LeaseView;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.Directive;
import dev.deneb.protocol.Refusal;
import dev.deneb.state.ClusterStateMachine;
import dev.deneb.state.DenebState;
import dev.deneb.state.Directives;
import dev.deneb.state.Leases;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
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
 *
 * <p>After a restart its new grant table grants nothing ({@code MEMBER_CATCHING_UP}) until the
 * catch-up gate opens it, as {@code CatchUpGate} does: every 200 ms of its clock, while no read is in
 * flight, a linearizable read served by this member — a ReadIndex request to the leader over the
 * network, answered with the leader's commit index only while a majority is behind that leader
 * ({@link ModelRaft#readIndex}; a member that does not lead says so and the read asks again 100 ms
 * later), then a wait until this member has applied up to that index — succeeds within the read's
 * 5 s timeout; then {@code markCaughtUp()}. The gate's messages draw from their own random stream
 * ({@link LeaseModel#gateDraws}), so a seed's other draws are those it had without the gate.
 */
final class ModelMember implements ModelNetwork.Process {
  static final long MS = 1_000_000;
  /** CatchUpGate's period (ControllerNode: 200 ms). */
  static final long CATCH_UP_EVERY = 200 * MS;
  /** The linearizable read's timeout (CommandGateway: raft.requestTimeout, 5 s by default). */
  static final long READ_TIMEOUT = 5_000 * MS;
  /** The Raft client's sleep before it asks again when the member asked does not lead (RaftMember: 100 ms). */
  static final long READ_RETRY = 100 * MS;

  private final String id;
  final DriftingClock clock;
  private final LeaseModel model;
  private final SplittableRandom random;
  private GrantTable grants;
  private DenebState applied = DenebState.EMPTY;
  private int appliedIndex;
  /** The most entries this member ever applied, over all its incarnations, and the state they make. */
  private int highWater;
  private DenebState highWaterState = DenebState.EMPTY;
  /** The catch-up read in flight (CatchUpGate's "asking"), or null. */
  private CatchUpRead read;
  private long reads;
  private boolean paused;
  private long stalledUntil;
  private boolean applyScheduled;
  /** Counts restarts: a timer of an earlier incarnation does nothing. */
  private int incarnation;
  private final List<Runnable> inbox = new ArrayList<>();
  private final Map<String, String> sentEpoch = new HashMap<>();
  private final Map<String, String> sentDirective = new HashMap<>();
  /** Failsafe: each node's newest report to this member as leader — what its book calls released, and when it came (this clock). */
  private final Map<String, long[]> reports = new HashMap<>();

  ModelMember(String id, DriftingClock clock, LeaseModel model) {
    this.id = id;
    this.clock = clock;
    this.model = model;
    this.random = model.random;
    this.grants = new GrantTable(() -> applied, clock.read(model.scheduler.now()));
    // The model's start is a fresh group: this member applied nothing before, so no state it grants
    // from can be older than one it answered from. Its table is caught up at once (in production the
    // first start goes through CatchUpGate too, which only delays the first grants), and every seed's
    // schedule up to its first restart is what it was before the gate was modelled.
    this.grants.markCaughtUp();
  }

  /** One linearizable read of the catch-up gate: its id, when it began (this member's clock), the read index once known. */
  private static final class CatchUpRead {
    final long id;
    final long began;
    int index = -1;

    CatchUpRead(long id, long began) {
      this.id = id;
      this.began = began;
    }
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
    // PauseWatch: a frozen member counts its silences from its return. The real watch does so only
    // after a freeze over 2 s, at its next tick; here every pause does, before anything waiting is
    // handled — the most the floor can ever shorten a silence, so S1 is checked against the worst of it.
    grants.resumedAt(now());
    model.trace.note("%s resumed with %d messages and timers waiting", id, inbox.size());
    for (Runnable r : inbox) model.scheduler.after(0, id + " resumed: waiting message", () -> receive("waiting", r));
    inbox.clear();
  }

  /**
   * The process crashes and starts again ({@link LeaseModel.Config#restarts}): it forgets its grants (a
   * new GrantTable, whose start counts as a grant, not caught up), every message, timer and read in
   * flight, and its applied state falls back {@code back} entries — to its snapshot, or to the commit
   * index it had persisted — from where it applies again as usual. Its catch-up gate starts at once;
   * without the gate ({@link LeaseModel.Config#catchUpGate} false, a mutant) the table is caught up at
   * once.
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
    read = null;
    incarnation++;
    if (model.config.catchUpGate()) {
      gate(incarnation);
    } else {
      grants.markCaughtUp(); // the mutant: no gate, it grants from whatever it has replayed so far
    }
    scheduleApply();
    keepalive();
  }

  // ---- the catch-up gate (CatchUpGate) -----------------------------------------------------------

  private void gate(int life) {
    if (life != incarnation || grants.caughtUp()) return;
    if (read == null) {
      CatchUpRead r = new CatchUpRead(++reads, now());
      read = r;
      model.scheduler.after(clock.realFor(READ_TIMEOUT), id + " catch-up read timeout", () -> receive("read timeout", () -> {
        if (read != r) return;
        read = null;
        model.stats.catchUpReadsTimedOut++;
        model.trace.note("%s catch-up read %d timed out (read index %s, applied #%d)", id, r.id, r.index < 0 ? "unknown"
            : "#" + (r.index - 1), appliedIndex - 1);
      }));
      askLeader(r);
    }
    model.scheduler.after(clock.realFor(CATCH_UP_EVERY), id + " catch-up gate", () -> receive("catch-up gate", () -> gate(life)));
  }

  private void askLeader(CatchUpRead r) {
    if (read != r) return;
    ModelMember leader = model.raft.leader();
    if (leader == null) {
      retryRead(r);
      return;
    }
    model.network.send(id, leader, "read index request " + r.id, () -> leader.onReadIndexRequest(this, r), model.gateDraws);
  }

  private void retryRead(CatchUpRead r) {
    model.scheduler.after(clock.realFor(READ_RETRY), id + " read retry", () -> receive("read retry", () -> askLeader(r)));
  }

  /** As the leader: a member's ReadIndex request. Answered only while this member leads with a live majority. */
  private void onReadIndexRequest(ModelMember asker, CatchUpRead r) {
    int index = model.raft.readIndex(this);
    if (index < 0 && model.raft.leader() == this) return; // no majority confirms this leader: no answer
    model.network.send(id, asker, index < 0 ? "not leader" : "read index #" + (index - 1), () -> asker.onReadIndex(r, index),
        model.gateDraws);
  }

  private void onReadIndex(CatchUpRead r, int index) {
    if (read != r || r.index >= 0) return; // timed out, an earlier incarnation's, or a duplicate
    if (index < 0) {
      retryRead(r);
      return;
    }
    r.index = index;
    caughtUpIfApplied();
  }

  /** The read returns once this member has applied up to its read index: the gate opens. */
  private void caughtUpIfApplied() {
    if (read == null || read.index < 0 || appliedIndex < read.index) return;
    grants.markCaughtUp();
    model.stats.catchUps++;
    model.trace.note("%s caught up: applied #%d >= read index #%d of read %d (%d ms after it began); it grants again", id,
        appliedIndex - 1, read.index - 1, read.id, (now() - read.began) / MS);
    read = null;
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
    caughtUpIfApplied();
    scheduleApply();
  }

  private void applyOne() {
    ModelRaft.Entry e = model.raft.entry(appliedIndex);
    Command command = e.command();
    applied = ClusterStateMachine.apply(applied, command, e.term()).state();
    appliedIndex++;
    if (appliedIndex > highWater) {
      highWater = appliedIndex;
      highWaterState = applied;
    }
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
    // With failsafe the notice also says which epoch's primary a workflow is replacing (EpochNotice.replacing_epoch).
    long replacing = model.config.failsafe().on() && c.hasWorkflow() ? c.getWorkflow().getTargetEpoch() - 1 : 0;
    String epoch = c.getEpoch() + "/" + c.getPrimary() + (replacing > 0 ? "/replacing " + replacing : "");
    if (again || !epoch.equals(sentEpoch.get(agent.id()))) {
      sentEpoch.put(agent.id(), epoch);
      long e = c.getEpoch();
      String primary = c.getPrimary();
      model.network.send(id, agent, "epoch " + epoch, () -> agent.onEpoch(id, e, primary, replacing));
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
    if (appliedIndex < highWater && (accepted || refusal == Refusal.MEMBER_CATCHING_UP)) fallenBack(agent.node(), epoch, accepted);
    // As AgentGatewayService: a member still catching up says no epoch (its "no" is no verdict).
    long memberEpoch = refusal == Refusal.MEMBER_CATCHING_UP ? 0 : cluster().map(ClusterRecord::getEpoch).orElse(0L);
    Set<String> membership = membership();
    model.network.send(id, agent, "grant r" + requestId + (accepted ? " yes" : " no " + refusal),
        () -> agent.onGrant(requestId, id, accepted, memberEpoch, refusal.name(), membership));
  }

  /** The cluster's nodes as this member applied them (a grant carries them: the membership a majority confirms). */
  private Set<String> membership() {
    return cluster().map(c -> c.getNodesList().stream().map(NodeRecord::getNode).collect(Collectors.toCollection(TreeSet::new)))
        .map(Set::copyOf).orElse(Set.of());
  }

  /**
   * Failsafe: a replica relays {@code primary}'s round; judged exactly as that primary's own renewal
   * (the same grant table entry, this member's receipt time), answered to the replica.
   */
  void onRelayedRenew(ModelAgent replica, long relayId, String primary, long requestId, long epoch) {
    Refusal refusal = grants.grant(LeaseModel.CLUSTER, primary, epoch, now());
    boolean accepted = refusal == Refusal.REFUSAL_UNSPECIFIED;
    if (appliedIndex < highWater && (accepted || refusal == Refusal.MEMBER_CATCHING_UP)) fallenBack(primary, epoch, accepted);
    long memberEpoch = refusal == Refusal.MEMBER_CATCHING_UP ? 0 : cluster().map(ClusterRecord::getEpoch).orElse(0L);
    ModelAgent.Grant grant = new ModelAgent.Grant(requestId, id, accepted, memberEpoch, refusal.name(), membership());
    model.network.send(id, replica, "relayed grant r" + requestId + (accepted ? " yes" : " no " + refusal),
        () -> replica.onRelayGrant(relayId, grant));
  }

  /** Failsafe: a node's report, kept by the leader it reached. */
  void onReport(String node, long releasedThrough) {
    reports.put(node, new long[] {releasedThrough, now()});
  }

  /** Node → {released through, received at (this clock)}. */
  Map<String, long[]> reports() {
    return reports;
  }

  /**
   * A round reached this member while its applied state is behind one it had applied before its
   * restart. With the gate it cannot have granted it (the gate opens only once it has applied up to a
   * read index, which covers every entry it ever applied): a grant is a model error. Counted when the
   * round would have been granted from that fallen-back state — held back by the gate, or, in the mutant
   * without it, granted — and, of those, when the state it had applied before had closed that lease
   * (the grant reopens it: the finding the gate fixes).
   */
  private void fallenBack(String node, long epoch, boolean granted) {
    if (!granted && Leases.judge(applied, LeaseModel.CLUSTER, node, epoch) != Refusal.REFUSAL_UNSPECIFIED) return;
    boolean reopen = Leases.closed(highWaterState, LeaseModel.CLUSTER, node, epoch);
    String what = String.format("%s epoch %d from applied #%d (#%d before its restart%s)", node, epoch, appliedIndex - 1,
        highWater - 1, reopen ? ", where that lease was closed" : "");
    if (granted) {
      if (model.config.catchUpGate()) model.monitor.fail("model: " + id + " granted " + what + " with the catch-up gate");
      model.stats.fallenBackGrants++;
      if (reopen) model.stats.reopeningGrants++;
      model.trace.note("%s not caught up: granted %s", id, what);
    } else {
      model.stats.gateHolds++;
      if (reopen) model.stats.gateHoldsReopening++;
      model.trace.note("%s catching up: held back a grant of %s", id, what);
    }
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
