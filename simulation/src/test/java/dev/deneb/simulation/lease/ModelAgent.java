package dev.deneb.simulation.lease;

import dev.deneb.agent.lease.LeaseAction;
import dev.deneb.agent.lease.LeaseKeeper;
import dev.deneb.agent.lease.LeaseSettings;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.Directive;
import dev.deneb.protocol.RecordAck;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One node's agent with the real {@link LeaseKeeper} on its own drifting clock, and the node's
 * database as far as writes go.
 *
 * <p><b>The database's writability</b> (what S1 is about) is modelled, not run: the database accepts
 * writes at real time {@code t} iff the keeper was writable after its last step (an Unfence was
 * ordered and no Fence since) <em>and</em> the agent's clock at {@code t} is still before the end of
 * the lease the keeper held then. The second half is the in-database guard of DESIGN §3.2 step 5,
 * taken as firing exactly at the keeper's lease end: so a paused agent, whose keeper never gets to
 * fence, leaves its database writable until that lease end and no longer. Fence and unfence take
 * effect at once (a slower fence only ends sooner through the guard; a slower unfence only starts
 * later). Not modelled: the lease row's own clock and refresh, fencing that fails, mysqld itself,
 * agent restarts ({@link LeaseKeeper#resume}), the Welcome's group size and TTL updates.
 */
final class ModelAgent implements ModelNetwork.Process {
  static final long MS = 1_000_000;
  static final long TICK = 50 * MS;

  private final String node;
  final DriftingClock clock;
  private final LeaseModel model;
  private final LeaseKeeper keeper;
  private boolean paused;
  private final List<Runnable> inbox = new ArrayList<>();

  /** Keeper writable after its last step. */
  private boolean writable;
  /** The lease end (agent clock) as of the last step, when writable. */
  private long leaseEndLocal;
  /** The epoch of the last Unfence. */
  private long unfencedEpoch;
  /** When the database last stopped accepting writes (real), or MIN_VALUE if it never did. */
  private long lastWritableEnd = Long.MIN_VALUE;
  private long highestSeen;
  /** The highest epoch a notice or a directive brought this agent. */
  private long maxEpochTold;

  ModelAgent(String node, DriftingClock clock, LeaseModel model) {
    this.node = node;
    this.clock = clock;
    this.model = model;
    this.keeper = new LeaseKeeper(node, LeaseSettings.DEFAULTS, 0, LeaseModel.GROUP.size());
  }

  @Override
  public String id() {
    return node;
  }

  String node() {
    return node;
  }

  long unfencedEpoch() {
    return unfencedEpoch;
  }

  long maxEpochTold() {
    return maxEpochTold;
  }

  long highestEpochSeen() {
    return keeper.highestEpochSeen();
  }

  @Override
  public void receive(String what, Runnable handler) {
    if (paused) inbox.add(handler); else handler.run();
  }

  /** The keeper's own belief after its last step (a paused agent's stays "writable" past its lease end). */
  boolean keeperWritable() {
    return writable;
  }

  boolean paused() {
    return paused;
  }

  void pause() {
    paused = true;
    model.trace.note("agent %s paused (keeper writable %s)", node, writable);
  }

  void resume() {
    paused = false;
    model.trace.note("agent %s resumed with %d messages and timers waiting", node, inbox.size());
    for (Runnable r : inbox) model.scheduler.after(0, node + " resumed: waiting message", () -> receive("waiting", r));
    inbox.clear();
  }

  void start() {
    model.scheduler.after(model.random.nextLong(0, TICK), node + " tick", () -> receive("tick", this::tick));
  }

  private void tick() {
    step(() -> keeper.tick(now()));
    model.scheduler.after(clock.realFor(TICK), node + " tick", () -> receive("tick", this::tick));
  }

  long now() {
    return clock.read(model.scheduler.now());
  }

  // ---- the database -------------------------------------------------------------------------------

  /** Whether the database accepts writes at real time {@code real} (not before the agent's last step). */
  boolean writableAt(long real) {
    return writable && clock.read(real) < leaseEndLocal;
  }

  /** Until when (real) the database accepted writes, as of real time {@code real}; only meaningful when not writable then. */
  long writableUntil(long real) {
    if (!writable) return lastWritableEnd;
    return Math.min(real, clock.realAt(leaseEndLocal));
  }

  // ---- inputs -------------------------------------------------------------------------------------

  void onGrant(long requestId, String member, boolean accepted, long memberEpoch, String refusal) {
    step(() -> keeper.onGrant(requestId, member, accepted, memberEpoch, refusal, now()));
  }

  void onEpoch(String member, long epoch, String primary) {
    maxEpochTold = Math.max(maxEpochTold, epoch);
    step(() -> keeper.onCommittedEpoch(epoch, primary, now()));
  }

  /** As Agent.execute: a fence order for an epoch not below the highest seen gives the epoch away and fences. */
  void onFenceDirective(ModelMember via, Directive d) {
    if (d.getEpoch() < keeper.highestEpochSeen()) return; // refused as stale (S3); no "done" ack
    maxEpochTold = Math.max(maxEpochTold, d.getEpoch());
    step(() -> keeper.onCommittedEpoch(d.getEpoch(), "", now()));
    model.trace.note("agent %s fenced by directive %s", node, d.getId());
    Command ack = Command.newBuilder().setAtMillis(model.wallMillis()).setRecordAck(RecordAck.newBuilder()
        .setCluster(LeaseModel.CLUSTER).setNode(node).setDirectiveId(d.getId()).setEpoch(d.getEpoch()).setDone(true)
        .setDetail("fenced (model)")).build();
    model.network.send(node, via, "ack " + d.getId(), () -> via.onAck(ack));
  }

  /** Runs one keeper step, carries out its actions and records what the database does. */
  private void step(Supplier<List<LeaseAction>> keeperStep) {
    long real = model.scheduler.now();
    long until = writableUntil(real);
    boolean wasWritable = writableAt(real);
    List<LeaseAction> actions = keeperStep.get();
    long now = now();
    for (LeaseAction a : actions) {
      if (a instanceof LeaseAction.Renew r) {
        for (ModelMember m : model.members) {
          model.network.send(node, m, "renew", () -> m.onRenew(this, r.requestId(), r.epoch()));
        }
      } else if (a instanceof LeaseAction.Unfence u) {
        unfencedEpoch = u.epoch();
        model.trace.note("agent %s UNFENCE epoch %d (%s)", node, u.epoch(), u.reason());
      } else if (a instanceof LeaseAction.Fence f) {
        model.trace.note("agent %s fence (%s: %s)", node, f.reason(), f.detail());
      }
    }
    boolean wasKeeperWritable = writable;
    writable = keeper.writable();
    leaseEndLocal = writable ? now + keeper.remainingNanos(now) : Long.MIN_VALUE;
    if (wasKeeperWritable && !writable) lastWritableEnd = until;
    if (!wasKeeperWritable && writable) model.monitor.becameWritable(this, real);
    else if (!wasWritable && writableAt(real)) model.monitor.becameWritable(this, real);
    model.monitor.afterKeeperStep(this, highestSeen, writable);
    highestSeen = keeper.highestEpochSeen();
  }
}
