package dev.deneb.simulation.lease;

import dev.deneb.agent.failsafe.PromiseAnswer;
import dev.deneb.agent.failsafe.PromiseBook;
import dev.deneb.agent.failsafe.PromiseRequest;
import dev.deneb.agent.lease.LeaseAction;
import dev.deneb.agent.lease.LeaseKeeper;
import dev.deneb.agent.lease.LeaseSettings;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.Directive;
import dev.deneb.protocol.RecordAck;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
 *
 * <p><b>Failsafe</b> ({@link FailsafeMode}): the keeper's hold is on; promise requests go agent to
 * agent over the model network and are answered by the real {@link PromiseBook} as {@code Agent}
 * does: a replica whose links to a member majority are up (a frozen member's link counts, as a frozen
 * process's TCP stream stays open) relays the primary's round to every member and answers
 * {@code RELAYING} with the grants once a majority granted, or, after 200 ms short of that, answers
 * from the book with whatever grants came (and relays nothing for a renew interval); a promise binds
 * the keeper before the answer leaves. Epoch notices that show a replacement begun seal the epoch.
 * Every second the agent reports to the leader what its book calls released. Simplified: the relay
 * collects grants itself rather than through {@code RelayBook}; promises are not written to disk
 * (agents do not restart here).
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

  // ---- failsafe (only with FailsafeMode on) ----
  static final long MAX_PROMISE = 60_000 * MS;
  static final long RELAY_WAIT = 200 * MS;
  static final long REPORT_EVERY = 1_000 * MS;
  private final PromiseBook book;
  private String primaryOfHighest = "";
  private long noRelayUntil = Long.MIN_VALUE;
  private long nextRelay;
  private final Map<Long, Relay> relays = new HashMap<>();

  /** A relay of {@code asker}'s round in progress: the grants the members sent back for it. */
  private static final class Relay {
    final ModelAgent asker;
    final PromiseRequest request;
    final long renewRequestId;
    final List<Grant> grants = new ArrayList<>();
    final Set<String> granted = new TreeSet<>();
    boolean answered;

    Relay(ModelAgent asker, PromiseRequest request, long renewRequestId) {
      this.asker = asker;
      this.request = request;
      this.renewRequestId = renewRequestId;
    }
  }

  /** One member's answer to a relayed round, carried back to the primary with the replica's answer. */
  record Grant(long requestId, String member, boolean accepted, long memberEpoch, String refusal, Set<String> membership) {}

  ModelAgent(String node, DriftingClock clock, LeaseModel model) {
    this.node = node;
    this.clock = clock;
    this.model = model;
    this.keeper = new LeaseKeeper(LeaseModel.CLUSTER, node, LeaseSettings.DEFAULTS, 0, LeaseModel.GROUP.size());
    boolean failsafe = model.config.failsafe().on();
    keeper.setFailsafe(failsafe);
    // A fresh agent never promised before (its state file would say so): no start binding.
    this.book = failsafe ? new PromiseBook(LeaseModel.CLUSTER, node, MAX_PROMISE, LeaseModel.RHO, now(), 0, 0) : null;
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
    if (book != null) model.scheduler.after(clock.realFor(REPORT_EVERY), node + " report", () -> receive("report", this::report));
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

  void onGrant(long requestId, String member, boolean accepted, long memberEpoch, String refusal, Set<String> membership) {
    step(() -> keeper.onGrant(requestId, member, accepted, memberEpoch, refusal, membership, now()));
  }

  /**
   * A member's notice of its applied epoch; {@code replacing} is the epoch whose primary a workflow it
   * applied is replacing (0 when none, and always 0 without failsafe).
   */
  void onEpoch(String member, long epoch, String primary, long replacing) {
    maxEpochTold = Math.max(maxEpochTold, epoch);
    if (book != null) {
      if (epoch >= keeper.highestEpochSeen()) primaryOfHighest = primary;
      book.seal(Math.max(epoch - 1, replacing));
    }
    step(() -> keeper.onCommittedEpoch(epoch, primary, now()));
  }

  // ---- failsafe -----------------------------------------------------------------------------------

  /** Another node's primary asks for a promise ({@code Agent.answerPromise}). */
  void onPromiseAsk(ModelAgent asker, PromiseRequest request, long renewRequestId) {
    long now = now();
    long connected = model.members.stream().filter(m -> model.network.connected(node, m.id())).count();
    boolean relayable = renewRequestId > 0 && request.cluster().equals(LeaseModel.CLUSTER)
        && connected >= keeper.majority() && (noRelayUntil == Long.MIN_VALUE || now - noRelayUntil >= 0);
    if (!relayable) {
      answerFromBook(asker, request, List.of());
      return;
    }
    long id = ++nextRelay;
    Relay relay = new Relay(asker, request, renewRequestId);
    relays.put(id, relay);
    model.stats.relays++;
    for (ModelMember m : model.members) {
      model.network.send(node, m, "relay r" + renewRequestId + " of " + request.primary(),
          () -> m.onRelayedRenew(this, id, request.primary(), renewRequestId, request.epoch()));
    }
    model.scheduler.after(clock.realFor(RELAY_WAIT), node + " relay wait", () -> receive("relay wait", () -> {
      if (relay.answered) return;
      relay.answered = true;
      relays.remove(id);
      noRelayUntil = now() + LeaseSettings.DEFAULTS.renewNanos();
      model.trace.note("agent %s: relay of %s's round %d fell short (%s granted); answering from the book", node,
          request.primary(), renewRequestId, relay.granted);
      answerFromBook(asker, request, relay.grants);
    }));
  }

  /** A member's answer to a round this agent relays. */
  void onRelayGrant(long relayId, Grant grant) {
    Relay relay = relays.get(relayId);
    if (relay == null || relay.answered) return;
    relay.grants.add(grant);
    if (grant.accepted()) relay.granted.add(grant.member());
    if (relay.granted.size() < keeper.majority()) return;
    relay.answered = true;
    relays.remove(relayId);
    model.stats.relaysGranted++;
    PromiseAnswer answer = new PromiseAnswer.Declined(relay.request.round(), node, PromiseAnswer.Reason.RELAYING,
        keeper.highestEpochSeen(), "relayed");
    List<Grant> grants = List.copyOf(relay.grants);
    model.network.send(node, relay.asker, "relayed grants", () -> relay.asker.onPromiseAnswer(answer, grants));
  }

  private void answerFromBook(ModelAgent asker, PromiseRequest request, List<Grant> grants) {
    long now = now();
    PromiseAnswer answer = book.answer(request, new PromiseBook.View(keeper.highestEpochSeen(), primaryOfHighest, false,
        false, true), now);
    if (answer instanceof PromiseAnswer.Promised) {
      // The promise binds this node before the answer leaves (Agent: on disk, then the keeper).
      keeper.bindWritableUntil(book.bindsUntil());
      model.stats.promises++;
      model.trace.note("agent %s promises %s (epoch %d, round %d)", node, request.primary(), request.epoch(), request.round());
    } else if (answer instanceof PromiseAnswer.Declined d) {
      model.trace.note("agent %s declines %s's round %d: %s (%s)", node, request.primary(), request.round(), d.reason(), d.detail());
    }
    List<Grant> carried = List.copyOf(grants);
    model.network.send(node, asker, "promise answer", () -> asker.onPromiseAnswer(answer, carried));
  }

  /** As the primary: a node's answer, with the grants of a relay it made for this agent's round. */
  void onPromiseAnswer(PromiseAnswer answer, List<Grant> grants) {
    for (Grant g : grants) onGrant(g.requestId(), g.member(), g.accepted(), g.memberEpoch(), g.refusal(), g.membership());
    if (answer instanceof PromiseAnswer.Promised p && answer.node().equals(LeaseModel.OUTSIDER)) {
      if (model.config.failsafe() != FailsafeMode.OUTSIDER_PROMISE_COUNTS) return;
      // The mutant: an outsider's promise is taken for that of each registered node but this one.
      for (String n : LeaseModel.NODES) {
        if (n.equals(node)) continue;
        PromiseAnswer.Promised as = new PromiseAnswer.Promised(p.round(), n, p.epoch());
        step(() -> keeper.onPromiseAnswer(as, now()));
      }
      return;
    }
    step(() -> keeper.onPromiseAnswer(answer, now()));
  }

  /** Every second: what the book calls released, to the leader (reports go to the leader only). */
  private void report() {
    model.scheduler.after(clock.realFor(REPORT_EVERY), node + " report", () -> receive("report", this::report));
    ModelMember leader = model.raft.leader();
    if (leader == null) return;
    long released = book.releasedThrough(now());
    model.network.send(node, leader, "report", () -> leader.onReport(node, released));
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

  /** The keeper's promise round: to every other node of the request's membership (the mutant: the outsider too). */
  private void askPromises(LeaseAction.AskPromises ap) {
    PromiseRequest request = ap.request();
    model.stats.promiseAsks++;
    for (ModelAgent other : model.agents) {
      if (other == this) continue;
      PromiseRequest sent = request;
      if (!request.membership().contains(other.node())) {
        if (model.config.failsafe() != FailsafeMode.OUTSIDER_PROMISE_COUNTS) continue;
        Set<String> widened = new TreeSet<>(request.membership());
        widened.add(other.node());
        sent = new PromiseRequest(request.cluster(), request.primary(), request.epoch(), request.round(),
            request.durationNanos(), widened);
      }
      PromiseRequest toSend = sent;
      model.network.send(node, other, "promise ask r" + request.round(), () -> other.onPromiseAsk(this, toSend,
          ap.renewRequestId()));
    }
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
      } else if (a instanceof LeaseAction.AskPromises ap) {
        askPromises(ap);
      } else if (a instanceof LeaseAction.FailsafeChanged fc) {
        if (fc.active()) model.stats.failsafeHolds++;
        model.trace.note("agent %s failsafe %s (%s: %s)", node, fc.active() ? "ENGAGED" : "ended", fc.reason(), fc.detail());
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
