package dev.deneb.agent;

import dev.deneb.agent.config.AgentConfig;
import dev.deneb.agent.db.LocalDatabase;
import dev.deneb.agent.directive.Attachment;
import dev.deneb.agent.failsafe.FailsafeStore;
import dev.deneb.agent.failsafe.PromiseAnswer;
import dev.deneb.agent.failsafe.PromiseBook;
import dev.deneb.agent.failsafe.PromiseRequest;
import dev.deneb.agent.failsafe.RelayBook;
import dev.deneb.agent.fence.FenceRequest;
import dev.deneb.agent.fence.FencingLadder;
import dev.deneb.agent.fence.LadderOutcome;
import dev.deneb.agent.lease.LeaseAction;
import dev.deneb.agent.lease.LeaseKeeper;
import dev.deneb.agent.lease.LeaseSettings;
import dev.deneb.agent.link.ControllerLinks;
import dev.deneb.agent.link.PeerLinks;
import dev.deneb.agent.link.PeerServer;
import dev.deneb.agent.report.ReportSchedule;
import dev.deneb.agent.durability.SemiSyncFallback;
import dev.deneb.agent.durability.SemiSyncObservation;
import dev.deneb.fencing.dialect.SemiSyncRole;
import dev.deneb.fencing.dialect.SemiSyncStatus;
import dev.deneb.fencing.dialect.SqlDialect;
import dev.deneb.protocol.Directive;
import dev.deneb.protocol.DirectiveAck;
import dev.deneb.protocol.EpochNotice;
import dev.deneb.protocol.HealthReport;
import dev.deneb.protocol.Hello;
import dev.deneb.protocol.LeaseGrant;
import dev.deneb.protocol.RelayedRenew;
import dev.deneb.protocol.RenewLease;
import dev.deneb.protocol.Welcome;
import java.io.Closeable;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent (DESIGN §3.2, §4). Three threads, each owning what it touches:
 * <ul>
 *   <li>the loop: the {@link LeaseKeeper} and every decision, ticked every 50 ms;
 *   <li>the fencer: fence / unfence / lease-row SQL, in the order the loop decided them;
 *   <li>the prober: health reports, on its own connection so a hanging probe never delays a fence.
 * </ul>
 */
public final class Agent implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
  private static final long TICK_MS = 50;

  private final AgentConfig config;
  private final EpochStore epochs;
  private final LeaseKeeper keeper;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(named("deneb-agent-loop"));
  private final ExecutorService fencer = Executors.newSingleThreadExecutor(named("deneb-agent-fencer"));
  private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(named("deneb-agent-prober"));
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(named("deneb-agent-links"));
  /**
   * Semi-sync releases and resumes, on their own thread and connection: switching the primary side
   * is seen to hang on a server now and then, and the fencer must never wait behind it.
   */
  private final ExecutorService semiSyncSwitch = Executors.newSingleThreadExecutor(named("deneb-agent-semisync"));
  private final LocalDatabase semiSyncDb;
  /**
   * Nudges (a replicated row whose acknowledgement covers stuck commits) on their own thread and
   * connection: a nudge waits for an acknowledgement like any commit, and a release must never
   * queue behind it.
   */
  private final ExecutorService nudger = Executors.newSingleThreadExecutor(named("deneb-agent-nudge"));
  private final LocalDatabase nudgeDb;
  private final java.util.concurrent.atomic.AtomicBoolean nudgeInFlight = new java.util.concurrent.atomic.AtomicBoolean();
  private final LocalDatabase fenceDb;
  /** The fencing ladder (SQL fence, SIGKILL, STONITH), run on the fencer thread; it has its own connection. */
  private final FencingLadder ladder;
  private final LocalDatabase probeDb;
  private final ControllerLinks links;
  /** Which probes become reports (prober thread). */
  private final ReportSchedule schedule;
  private long storedEpoch;
  private final java.util.concurrent.atomic.AtomicBoolean refreshPending = new java.util.concurrent.atomic.AtomicBoolean();
  /** The newest lease-row end the keeper allows (monotonic nanos) and its epoch: set on the loop thread. */
  private volatile long rowUntil;
  private volatile long rowEpoch;
  private long lastFenceLogNanos;
  private final java.util.concurrent.atomic.AtomicBoolean reportRequested = new java.util.concurrent.atomic.AtomicBoolean();
  /** The epoch this server was last prepared as primary for (fencer thread). */
  private volatile long preparedEpoch;
  /** An unfence is queued or running on the fencer (set on the loop thread, cleared on the fencer). */
  private volatile boolean unfencing;
  /** The cluster's durability as the newest epoch notice said (DESIGN S4; docs/durability.md). */
  private volatile boolean semiSync;
  /**
   * How long commits may wait for a semi-sync acknowledgement before this agent, holding the lease,
   * lets them go (the cluster's semi-sync timeout; the server itself is given none).
   */
  private volatile Duration semiSyncTimeout = Duration.ofSeconds(1);
  /** When to release stuck semi-sync commits (loop thread). */
  private final SemiSyncFallback fallback = new SemiSyncFallback();
  /** A release or resume is queued or running on the semi-sync thread. */
  private final java.util.concurrent.atomic.AtomicBoolean switchInFlight = new java.util.concurrent.atomic.AtomicBoolean();
  /** Promote directives waiting for this node to become writable in their epoch, with the members to ack (loop thread). */
  private final java.util.Map<String, PendingPromote> pendingPromotes = new java.util.HashMap<>();

  /** The epoch whose primary a replicate order last attached this node to (fencer thread). */
  private final Attachment attachment = new Attachment();

  private record PendingPromote(Directive directive, java.util.Set<String> vias) {}
  private LeaseAction.Reason lastFenceReason;

  // ---- failsafe (docs/lease.md "Failsafe"); the loop thread owns the book and these fields ----
  /** The longest promise this node gives (a request for more is declined). */
  private static final Duration MAX_PROMISE = Duration.ofSeconds(60);
  private final FailsafeStore failsafeStore;
  private final PromiseBook book;
  /** Takes promise requests; null when agent.yaml has no peer section. */
  private final PeerServer peerServer;
  private final PeerLinks peerLinks = new PeerLinks();
  /** Rounds this agent relays for its primary (loop thread). */
  private final RelayBook<java.util.function.Consumer<PeerServer.Answer>> relays = new RelayBook<>();
  /** When a relay was last logged (loop thread; one line per RELAY_LOG_EVERY at most). */
  private long relayLoggedAt;
  private static final Duration RELAY_LOG_EVERY = Duration.ofSeconds(10);
  /** How long a relay waits for a majority of grants before this node answers from its promise book. */
  private static final Duration RELAY_WAIT = Duration.ofMillis(200);
  /** The node the highest epoch seen names as primary. */
  private String primaryOfHighest = "";
  /** What the book says, for reports (read on the prober thread). */
  private volatile long releasedThrough;
  private volatile long promiseBindsMillis;
  private volatile String promiseBinding = "";
  /** The database is writable by a failsafe hold alone (for reports; set on the loop thread). */
  private volatile boolean failsafeActive;

  public Agent(AgentConfig config) throws IOException {
    this.config = config;
    this.epochs = new EpochStore(config.stateDir());
    this.storedEpoch = epochs.load();
    LeaseSettings settings = new LeaseSettings(Duration.ofSeconds(3), config.lease().drift(), config.lease().fenceLead(),
        config.lease().renewInterval());
    this.keeper = new LeaseKeeper(config.cluster(), config.node(), settings, storedEpoch, config.controllers().size());
    this.failsafeStore = new FailsafeStore(config.stateDir());
    long startedAt = System.nanoTime();
    // Bound at start only if the previous run promised within the last minute (its state file says so).
    this.book = new PromiseBook(config.cluster(), config.node(), MAX_PROMISE.toNanos(), config.lease().drift(), startedAt,
        failsafeStore.startBindingNanos(System.currentTimeMillis(), config.lease().drift()), failsafeStore.sealedThrough());
    keeper.bindWritableUntil(book.bindsUntil());
    this.peerServer = config.peer().map(p -> new PeerServer(p.listen(), this::answerPromise)).orElse(null);
    this.schedule = new ReportSchedule(config.reportInterval(), config.reportHeartbeat());
    this.fenceDb = new LocalDatabase(config.database(), config.stateDir());
    this.ladder = FencingLadder.forAgent(config, new LocalDatabase(config.database(), config.stateDir()));
    this.probeDb = new LocalDatabase(config.database(), config.stateDir());
    this.semiSyncDb = new LocalDatabase(config.database(), config.stateDir());
    this.nudgeDb = new LocalDatabase(config.database(), config.stateDir());
    this.links = new ControllerLinks(config.controllers(), this::hello, new LinkEvents(), timers);
  }

  /** Checks the database first, so a wrong DSN or password fails the start with a clear reason. */
  public void start() throws SQLException {
    fenceDb.connection(); // a wrong address, user or password fails the start here, at once
    // Connect to the controllers while the database is prepared: a lease resumed from the row lasts
    // only what the row has left, and on a cold JVM setting up the streams takes a second or more.
    // Their events wait on the loop until the database is prepared and the lease resumed here, so
    // neither the keeper nor the database connection is used from two threads at once.
    java.util.concurrent.CountDownLatch prepared = new java.util.concurrent.CountDownLatch(1);
    loop.execute(() -> {
      try {
        prepared.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    links.start();
    try {
      prepareDatabase();
    } finally {
      prepared.countDown();
    }
    LOG.info("agent {}/{} started: database {}, controllers {}, highest epoch seen {}", config.cluster(), config.node(),
        config.database(), config.controllers(), storedEpoch);
    if (peerServer != null) {
      try {
        peerServer.start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot listen for failsafe promise requests on " + config.peer().get().listen()
            + ": " + e.getMessage() + " (agent.yaml peer.listen)", e);
      }
      LOG.info("taking failsafe promise requests on {}", config.peer().get());
    }
    loop.scheduleWithFixedDelay(() -> run(() -> {
      long now = System.nanoTime();
      act(keeper.tick(now));
      noteBook(now);
    }), TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    prober.scheduleWithFixedDelay(this::probeAndReport, 0, config.reportInterval().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Prober thread: probe the database; send the report to every connected member when the schedule
   * says so (changed, unhealthy, asked for, or the heartbeat); then the loop reconciles it.
   */
  private void probeAndReport() {
    long now = System.nanoTime();
    HealthReport report = probeDb.probe(now).toBuilder().setFailsafeReleasedThrough(releasedThrough)
        .setPromiseBindsMillis(promiseBindsMillis).setPromiseBinding(promiseBinding).setFailsafeActive(failsafeActive).build();
    schedule.decide(report, now).ifPresent(links::report);
    SemiSyncObservation semi = semiSync && report.getMysqldUp() && !report.getReadOnly() ? observeSemiSync() : null;
    loop.execute(() -> run(() -> {
      reconcile(report);
      guardSemiSync(semi);
    }));
  }

  /** Prober thread: a writable semi-sync server's state, or null when it cannot be read now. */
  private SemiSyncObservation observeSemiSync() {
    try {
      SemiSyncStatus s = probeDb.semiSyncStatus();
      return new SemiSyncObservation(s.primaryEnabled(), s.waitingSessions(), s.acknowledgedTransactions(), s.replicas());
    } catch (SQLException | RuntimeException e) {
      LOG.debug("semi-sync state of {} not readable: {}", config.node(), e.getMessage());
      return null;
    }
  }

  /**
   * Loop thread: lets commits stuck without a semi-sync acknowledgement go while this agent holds
   * the lease, and asks for acknowledgements again once a replica is back (docs/durability.md,
   * {@link SemiSyncFallback}). A release carries the lease's fence point as its deadline; the
   * server checks it when it executes the release, so a release that sat in a frozen agent or a
   * frozen server lets nothing go.
   */
  private void guardSemiSync(SemiSyncObservation o) {
    long now = System.nanoTime();
    if (o == null || !semiSync || !keeper.writable() || unfencing || preparedEpoch < keeper.highestEpochSeen()) {
      if (o == null || !keeper.writable()) fallback.reset();
      return;
    }
    // One switch at a time: a release the server has not answered yet (seen once) must not have
    // more releases and resumes queued behind it, which would run in a burst when it returns.
    if (switchInFlight.get()) return;
    long leaseLeft = keeper.remainingNanos(now) - config.lease().fenceLead().toNanos();
    SemiSyncFallback.Step step = fallback.observe(o, now, semiSyncTimeout, leaseLeft);
    if (step instanceof SemiSyncFallback.Step.Release r) {
      LOG.warn("semi-sync on {}: releasing waiting commits to asynchronous replication: {}", config.node(), r.reason());
      long validUntil = now + r.validForNanos();
      switchInFlight.set(true);
      semiSyncSwitch.execute(() -> releaseSemiSync(validUntil));
    } else if (step instanceof SemiSyncFallback.Step.Nudge n) {
      if (nudgeInFlight.compareAndSet(false, true)) {
        LOG.info("semi-sync on {}: nudging: {}", config.node(), n.reason());
        long validUntil = now + n.validForNanos();
        nudger.execute(() -> nudgeSemiSync(validUntil));
      }
    } else if (step instanceof SemiSyncFallback.Step.Resume r) {
      LOG.info("semi-sync on {}: asking for acknowledgements again: {}", config.node(), r.reason());
      switchInFlight.set(true);
      semiSyncSwitch.execute(this::resumeSemiSync);
    }
  }

  /** Semi-sync thread. */
  private void releaseSemiSync(long validUntilNanos) {
    // The deadline in the server's clock (the agent runs beside it): what is left of it now.
    java.time.Instant notAfter = java.time.Instant.now().plusNanos(validUntilNanos - System.nanoTime());
    try {
      if (semiSyncDb.releaseSemiSyncWaits(notAfter)) {
        LOG.warn("semi-sync on {}: released; commits no longer wait for a replica", config.node());
      } else {
        LOG.warn("semi-sync on {}: the release came after its deadline; nothing was released", config.node());
      }
    } catch (SQLException | RuntimeException e) {
      LOG.error("semi-sync on {}: could not release waiting commits: {}", config.node(), e.getMessage());
    } finally {
      switchInFlight.set(false);
    }
  }

  /** Nudge thread. The row's commit returns once a replica acknowledged it, or once released. */
  private void nudgeSemiSync(long validUntilNanos) {
    java.time.Instant notAfter = java.time.Instant.now().plusNanos(validUntilNanos - System.nanoTime());
    try {
      if (!nudgeDb.nudgeSemiSync(notAfter)) LOG.info("semi-sync on {}: nudge wrote nothing (read-only or past its deadline)", config.node());
    } catch (SQLException | RuntimeException e) {
      LOG.info("semi-sync on {}: nudge failed: {}", config.node(), e.getMessage());
    } finally {
      nudgeInFlight.set(false);
    }
  }

  /** Semi-sync thread. */
  private void resumeSemiSync() {
    try {
      semiSyncDb.configureSemiSync(SemiSyncRole.PRIMARY, SqlDialect.SEMI_SYNC_NEVER_FALL_BACK);
    } catch (SQLException | RuntimeException e) {
      LOG.error("semi-sync on {}: could not switch the primary side on again: {}", config.node(), e.getMessage());
    } finally {
      switchInFlight.set(false);
    }
  }

  /**
   * What the database is against what the keeper believes it made it: a server restarted after a
   * crash comes up read-only (its configuration says so) while the keeper still thinks it unfenced
   * it; an operator may have set a fenced server writable by hand. Either way the keeper decides
   * again at the next tick.
   */
  private void reconcile(HealthReport report) {
    if (!report.getMysqldUp()) return;
    // A probe taken while an unfence (with its promotion steps) runs says nothing yet.
    if (unfencing) return;
    if (keeper.writable() && report.getReadOnly()) {
      LOG.warn("{} is read-only although this agent holds the lease (restarted?): making it writable again", config.node());
      keeper.actionFailed(new LeaseAction.Unfence(keeper.highestEpochSeen(), LeaseAction.Reason.LEASE_HELD));
    } else if (!keeper.writable() && !report.getReadOnly()) {
      LOG.warn("{} is writable although this agent holds no lease: fencing it", config.node());
      keeper.actionFailed(new LeaseAction.Fence(LeaseAction.Reason.NOT_PRIMARY, "writable without a lease"));
    }
  }

  /**
   * Installs the lease table and guard, then resumes a lease the previous run held. On a writable
   * server without a lease row the guard fires as soon as it exists and kills every client session,
   * possibly this one mid-way: a lost connection here is retried (every step is idempotent);
   * anything else fails the start.
   */
  private void prepareDatabase() throws SQLException {
    for (int attempt = 1; ; attempt++) {
      try {
        fenceDb.prepare();
        resumeLease();
        return;
      } catch (SQLException e) {
        boolean connectionLost = e.getSQLState() != null && e.getSQLState().startsWith("08");
        if (!connectionLost || attempt == 5) throw e;
        LOG.warn("connection lost while preparing the database (attempt {}): {}; retrying", attempt, e.getMessage());
      }
    }
  }

  /**
   * A restart within the TTL is invisible (DESIGN §3.8): if this node's lease row says the previous
   * run held a lease that has not run out, carry on with it; the next accepted renewal takes over,
   * and a notice of a newer epoch naming someone else ends it.
   */
  private void resumeLease() throws SQLException {
    var row = fenceDb.leaseRow();
    if (row.isEmpty() || !row.get().node().equals(config.node()) || row.get().expired()) return;
    long now = System.nanoTime();
    // The loop is parked until start() has resumed this (see start): the keeper is ours here.
    boolean resumed = keeper.resume(row.get().epoch(), row.get().remaining().toNanos(), now);
    LOG.info("lease row of the previous run: epoch {}, {} ms left: {}", row.get().epoch(),
        row.get().remaining().toMillis(), resumed ? "resumed, the database stays writable" : "not resumed");
    persistEpoch();
  }

  private Hello hello() {
    return Hello.newBuilder().setCluster(config.cluster()).setNode(config.node())
        .setHighestEpochSeen(keeper.highestEpochSeen()).setAgentVersion("0.1.0")
        .setPeerAddress(config.peer().map(p -> p.advertise().toString()).orElse("")).build();
  }

  /**
   * gRPC thread: another node's primary asks for a promise. If this agent reaches a controller
   * majority it first relays the primary's newest lease round (docs/lease.md "Relay") and, once a
   * majority granted, answers with their grants and no promise. Otherwise — or when the relay gets
   * no majority in time — the loop answers from the promise book; a promise is on disk and binds this
   * node's keeper before the answer leaves.
   */
  private void answerPromise(PromiseRequest request, long renewRequestId, long replyWithinNanos,
      java.util.function.Consumer<PeerServer.Answer> reply) {
    loop.execute(() -> run(() -> {
      boolean relayable = renewRequestId > 0 && keeper.failsafeEnabled() && request.cluster().equals(config.cluster())
          && request.epoch() == keeper.highestEpochSeen() && request.primary().equals(primaryOfHighest)
          && !request.primary().equals(config.node()) && links.connectedCount() >= keeper.majority()
          && relays.mayRelay(System.nanoTime(), config.lease().renewInterval().toNanos());
      if (!relayable) {
        reply.accept(answerFromBook(request, List.of()));
        return;
      }
      RelayBook.Relay<java.util.function.Consumer<PeerServer.Answer>> relay = relays.start(request, renewRequestId, reply);
      int sent = links.relay(RelayedRenew.newBuilder().setNode(request.primary()).setRequestId(renewRequestId)
          .setEpoch(request.epoch()).setRelayId(relay.relayId()).build());
      if (sent < keeper.majority()) {
        relays.finish(relay.relayId()).ifPresent(this::answerRelay);
        return;
      }
      // Answer well inside the asker's deadline: what the relay has by then, else a promise.
      long waitNanos = Math.min(RELAY_WAIT.toNanos(), replyWithinNanos / 2);
      timers.schedule(() -> loop.execute(() -> run(() -> relays.finish(relay.relayId()).ifPresent(this::answerRelay))),
          waitNanos, TimeUnit.NANOSECONDS);
    }));
  }

  /**
   * Loop thread: a relay is over. A majority granted (or a member refused): the grants are the
   * answer and this node promises nothing. Else the book answers, with whatever grants came.
   */
  private void answerRelay(RelayBook.Relay<java.util.function.Consumer<PeerServer.Answer>> relay) {
    PromiseRequest request = relay.request();
    if (relay.granted() >= keeper.majority() || relay.refused()) {
      long now = System.nanoTime();
      if (relayLoggedAt == 0 || now - relayLoggedAt > RELAY_LOG_EVERY.toNanos()) {
        relayLoggedAt = now;
        LOG.info("failsafe: relaying {}'s lease rounds to the controllers ({} reaches no majority of them itself): round"
            + " {} {} by {} members", request.primary(), request.primary(), relay.renewRequestId(),
            relay.refused() ? "refused" : "granted", relay.refused() ? "one of the" : relay.granted());
      }
      relay.reply().accept(new PeerServer.Answer(new PromiseAnswer.Declined(request.round(), config.node(),
          PromiseAnswer.Reason.RELAYING, keeper.highestEpochSeen(), "relayed round " + relay.renewRequestId() + " to "
              + relay.granted() + " controller members"), relay.grants()));
      return;
    }
    // Streams to frozen members look open for seconds: until the next renew interval, the primary's
    // asks get the book's answer at once instead of waiting for another relay to fall short.
    relays.fellShort(System.nanoTime());
    LOG.info("failsafe: relaying {}'s round {} reached {} of the {} members needed in time; answering from the promise "
        + "book (no relay for {} ms)", request.primary(), relay.renewRequestId(), relay.granted(), keeper.majority(),
        config.lease().renewInterval().toMillis());
    relay.reply().accept(answerFromBook(request, relay.grants()));
  }

  /** Loop thread: the promise book's answer (a promise is on disk before it is returned). */
  private PeerServer.Answer answerFromBook(PromiseRequest request, List<LeaseGrant> relayedGrants) {
    PromiseAnswer answer;
    try {
      long now = System.nanoTime();
      PromiseBook.View view = new PromiseBook.View(keeper.highestEpochSeen(), primaryOfHighest, false,
          false, keeper.failsafeEnabled());
      answer = book.answer(request, view, now);
      if (answer instanceof PromiseAnswer.Promised) {
        long wall = System.currentTimeMillis();
        long span = book.waitBeforeWritable(now) / 1_000_000;
        failsafeStore.promising(wall, wall + span, request.durationNanos());
        keeper.bindWritableUntil(book.bindsUntil());
      }
      noteBook(now);
    } catch (IOException | RuntimeException e) {
      // No promise that is not on disk: a restart would forget it.
      LOG.error("failsafe: cannot answer {}'s promise request: {}", request.primary(), e.getMessage());
      answer = new PromiseAnswer.Declined(request.round(), config.node(), PromiseAnswer.Reason.EPOCH_UNKNOWN,
          keeper.highestEpochSeen(), "this agent could not record the promise: " + e.getMessage());
    }
    return new PeerServer.Answer(answer, relayedGrants);
  }

  /**
   * Loop thread: learns that a workflow replacing the primary of {@code epoch} began (or a higher
   * epoch was committed); the sealed epoch is on disk before any report can call it released.
   */
  private void seal(long epoch) {
    if (epoch <= book.sealedThrough()) return;
    try {
      failsafeStore.sealed(epoch);
      book.seal(epoch);
      noteBook(System.nanoTime());
    } catch (IOException e) {
      LOG.error("failsafe: cannot record that epoch {} is being replaced (reports will not call it released): {}", epoch,
          e.getMessage());
    }
  }

  /** Loop thread: what the book says, for the next report. */
  private void noteBook(long now) {
    releasedThrough = book.releasedThrough(now);
    promiseBindsMillis = book.waitBeforeWritable(now) / 1_000_000;
    promiseBinding = book.binding(now).orElse("");
  }

  /** gRPC threads hand every event to the loop. */
  private final class LinkEvents implements ControllerLinks.Listener {
    @Override
    public void welcome(String via, Welcome w) {
      prober.execute(schedule::connected);
      loop.execute(() -> run(() -> {
        if (w.getGroupSize() > 0) keeper.updateGroupSize(w.getGroupSize());
        if (w.getLeaseTtlMillis() > 0) {
          keeper.updateSettings(new LeaseSettings(Duration.ofMillis(w.getLeaseTtlMillis()), config.lease().drift(),
              config.lease().fenceLead(), config.lease().renewInterval()));
        }
        if (w.getEpoch() > 0 && w.getEpoch() >= keeper.highestEpochSeen()) primaryOfHighest = w.getPrimary();
        if (w.getEpoch() > 0) seal(w.getEpoch() - 1);
        if (w.getEpoch() > 0) act(keeper.onCommittedEpoch(w.getEpoch(), w.getPrimary(), System.nanoTime()));
        act(keeper.onMemberConnected(System.nanoTime()));
        LOG.info("connected to controller {} (member {}, leader {}): epoch {} names {}", via, w.getMember(),
            w.getLeader().isEmpty() ? "unknown" : w.getLeader(), w.getEpoch(), w.getPrimary().isEmpty() ? "no one" : w.getPrimary());
      }));
    }

    @Override
    public void grant(String via, String member, LeaseGrant g) {
      if (!g.getRelayedFor().isEmpty()) {
        // An answer to a round this agent relays for the primary: it goes back to the primary.
        loop.execute(() -> run(() -> relays.onGrant(g, keeper.majority()).ifPresent(Agent.this::answerRelay)));
        return;
      }
      loop.execute(() -> run(() -> {
        boolean accepted = g.getAccepted();
        String why = accepted ? "" : (g.getDetail().isEmpty() ? g.getRefusal().name() : g.getDetail());
        if (g.getPeersCount() > 0) peerLinks.learn(g.getPeersList());
        act(keeper.onGrant(g.getRequestId(), member, accepted, g.getEpoch(), why, java.util.Set.copyOf(g.getMembershipList()),
            System.nanoTime()));
        if (accepted && keeper.writable()) refreshLeaseRow();
      }));
    }

    @Override
    public void refused(String via, String why) {
      LOG.error("controller {} closed the stream: {}", via, why);
    }

    @Override
    public void epoch(String via, EpochNotice n) {
      loop.execute(() -> run(() -> {
        if (n.getLeaseTtlMillis() > 0) {
          keeper.updateSettings(new LeaseSettings(Duration.ofMillis(n.getLeaseTtlMillis()), config.lease().drift(),
              config.lease().fenceLead(), config.lease().renewInterval()));
        }
        LOG.info("controller {}: epoch {} names {}", via, n.getEpoch(), n.getPrimary().isEmpty() ? "no one" : n.getPrimary());
        semiSync = n.getSemiSync();
        if (n.getSemiSyncTimeoutMillis() > 0) semiSyncTimeout = Duration.ofMillis(n.getSemiSyncTimeoutMillis());
        if (n.getEpoch() >= keeper.highestEpochSeen()) {
          if (keeper.failsafeEnabled() != n.getFailsafe()) LOG.info("failsafe is {} for {}", n.getFailsafe() ? "on" : "off", config.cluster());
          keeper.setFailsafe(n.getFailsafe());
          primaryOfHighest = n.getPrimary();
        }
        // A committed epoch replaced the primary of every lower one; a begun workflow, the current one's.
        seal(Math.max(n.getEpoch() - 1, n.getReplacingEpoch()));
        act(keeper.onCommittedEpoch(n.getEpoch(), n.getPrimary(), System.nanoTime()));
      }));
    }

    @Override
    public void reportNow(String via, String reason) {
      // Members ask at the same moment: one extra probe answers them all.
      if (reportRequested.compareAndSet(false, true)) {
        prober.execute(() -> {
          reportRequested.set(false);
          schedule.requested(System.nanoTime());
          probeAndReport();
        });
      }
    }

    @Override
    public void reportTargetChanged(String leader) {
      LOG.info("health reports now go to {}", leader.isEmpty() ? "every member (no leader known)" : "the leader, " + leader);
      prober.execute(schedule::connected);
    }

    @Override
    public void directive(String via, Directive d) {
      loop.execute(() -> run(() -> execute(via, d)));
    }
  }

  /**
   * Carries out a directive (DESIGN §4), refusing one whose epoch is below the highest this agent
   * has seen (S3): an order from a deposed epoch must never touch the database.
   */
  private void execute(String via, Directive d) {
    long highest = keeper.highestEpochSeen();
    DirectiveAck.Builder ack = DirectiveAck.newBuilder().setId(d.getId()).setEpoch(d.getEpoch());
    if (d.getEpoch() < highest) {
      LOG.warn("refusing directive {} from {}: its epoch {} is below the highest this agent has seen ({}) (S3)",
          d.getId(), via, d.getEpoch(), highest);
      links.ack(via, ack.setRefusedStale(true).setDetail("epoch " + d.getEpoch() + " < highest seen " + highest).build());
      return;
    }
    switch (d.getKindCase()) {
      case FENCE -> {
        LOG.warn("directive {} from {}: fence {} ({})", d.getId(), via, config.node(), d.getFence().getReason());
        // The epoch is being given away: this node is primary of nothing from here on.
        act(keeper.onCommittedEpoch(d.getEpoch(), "", System.nanoTime()));
        // The whole ladder, as for a lapsing lease: the controller needs the fence confirmed.
        FenceRequest request = new FenceRequest(config.cluster(), config.node(), d.getEpoch(),
            "directive " + d.getId() + ": " + d.getFence().getReason());
        fencer.execute(() -> {
          LadderOutcome o = ladder.fence(request);
          String detail = o.confirmedBy().map(r -> r.rung() + ": " + r.reason())
              .orElse("not confirmed after " + o.elapsed().toMillis() + " ms (" + o.steps().size() + " rungs)");
          LOG.warn("directive {}: {} ({})", d.getId(), o.confirmed() ? "fenced" : "NOT fenced", detail);
          // The final position, so the candidate can catch up to it (DESIGN §3.3); unreadable when mysqld is down.
          String gtids = "";
          if (o.confirmed()) {
            try {
              gtids = fenceDb.executedGtids();
            } catch (SQLException e) {
              LOG.info("directive {}: final GTID position not readable ({})", d.getId(), e.getMessage());
            }
          }
          links.ack(via, ack.setDone(o.confirmed()).setDetail(detail).setGtids(gtids).build());
        });
      }
      case PROMOTE -> {
        LOG.info("directive {} from {}: promote {} for epoch {}", d.getId(), via, config.node(), d.getEpoch());
        pendingPromotes.computeIfAbsent(d.getId(), id -> new PendingPromote(d, new java.util.HashSet<>())).vias().add(via);
        // The lease keeper takes the lease for the epoch that names this node; the unfence that
        // follows prepares the server as primary first. Already done: answer now.
        if (keeper.writable() && preparedEpoch >= d.getEpoch()) fencer.execute(() -> promoted(d.getEpoch()));
      }
      case REPLICATE -> {
        var order = d.getReplicate();
        fencer.execute(() -> {
          String detail;
          boolean done;
          try {
            detail = replicate(order.getHost(), order.getPort(), order.getSemiSync());
            attachment.attached(d.getEpoch());
            done = true;
          } catch (SQLException | RuntimeException e) {
            detail = "could not replicate from " + order.getHost() + ":" + order.getPort() + ": " + e.getMessage();
            done = false;
          }
          if (done) LOG.info("directive {}: {}", d.getId(), detail); else LOG.error("directive {}: {}", d.getId(), detail);
          links.ack(via, ack.setDone(done).setDetail(detail).build());
        });
      }
      case DETACH -> fencer.execute(() -> {
        DirectiveAck answer = detach(d);
        // Report before acknowledging: the leader chooses a candidate from reports once the acks
        // are committed, and this one carries the node's final received and executed positions.
        prober.execute(() -> {
          schedule.requested(System.nanoTime()); // this report must go out, whatever the schedule
          probeAndReport();
          links.ack(via, answer);
        });
      });
      case KIND_NOT_SET -> {
        LOG.error("directive {} from {} has no kind this agent knows (a newer controller?)", d.getId(), via);
        links.ack(via, ack.setDone(false).setDetail("unknown directive kind").build());
      }
    }
  }

  private void act(List<LeaseAction> actions) {
    long now = System.nanoTime();
    for (LeaseAction a : actions) {
      if (a instanceof LeaseAction.Renew r) {
        if (links.renew(RenewLease.newBuilder().setRequestId(r.requestId()).setEpoch(r.epoch()).build()) == 0) {
          LOG.debug("renewal {} for epoch {} not sent: no controller connected", r.requestId(), r.epoch());
        }
      } else if (a instanceof LeaseAction.AskPromises p) {
        // Answers come back on gRPC threads; the loop judges them. A late answer still counts from
        // the round's send time, so the deadline only bounds how long a call is kept: a renew interval.
        long deadlineMillis = Math.max(200, config.lease().renewInterval().toMillis());
        int asked = peerLinks.ask(p.request(), p.renewRequestId(), config.node(), deadlineMillis,
            (answer, relayed) -> loop.execute(() -> run(() -> onPeerAnswer(answer, relayed))));
        if (asked < p.request().membership().size() - 1) {
          LOG.debug("failsafe round {}: {} of {} other nodes have a known address", p.request().round(), asked,
              p.request().membership().size() - 1);
        }
      } else if (a instanceof LeaseAction.FailsafeChanged c) {
        failsafeActive = c.active();
        // The members show it (deneb_failsafe_active) from the next report: send one now.
        prober.execute(() -> {
          schedule.requested(System.nanoTime());
          probeAndReport();
        });
        if (c.active()) {
          LOG.warn("failsafe on {}: {}: the database stays writable ({})", config.node(), c.reason(), c.detail());
        } else {
          LOG.warn("failsafe on {}: {}: {}", config.node(), c.reason(), c.detail());
        }
      } else if (a instanceof LeaseAction.Fence f) {
        // A fence that is not confirmed is ordered again every tick; say so once per reason or 5 s.
        if (f.reason() != lastFenceReason || now - lastFenceLogNanos > 5_000_000_000L) {
          LOG.warn("fencing {}: {} ({})", config.node(), f.reason(), f.detail());
          lastFenceReason = f.reason();
          lastFenceLogNanos = now;
        }
        long epoch = keeper.highestEpochSeen();
        fencer.execute(() -> fence(f, epoch));
      } else if (a instanceof LeaseAction.Unfence u) {
        Duration left = rowValidity(now);
        LOG.info("lease held for epoch {} ({} ms left): making {} writable", u.epoch(), left.toMillis(), config.node());
        unfencing = true;
        fencer.execute(() -> {
          try {
            if (preparedEpoch < u.epoch()) {
              // DESIGN §3.4 PROMOTED: replication applied and stopped, the epoch recorded, before any client write.
              String gtids = fenceDb.prepareAsPrimary(u.epoch(), config.node(), PROMOTE_APPLY_WAIT, semiSync,
                  SqlDialect.SEMI_SYNC_NEVER_FALL_BACK);
              preparedEpoch = u.epoch();
              LOG.info("{} prepared as primary of epoch {}: replication stopped, epoch recorded at {}", config.node(),
                  u.epoch(), gtids);
            }
            fenceDb.unfence(u.epoch(), config.node(), left);
            promoted(u.epoch());
          } catch (SQLException | RuntimeException e) {
            LOG.error("could not make {} writable (retrying at the next tick): {}", config.node(), e.getMessage());
            loop.execute(() -> keeper.actionFailed(u));
          } finally {
            unfencing = false;
          }
        });
      }
    }
    persistEpoch();
  }

  /**
   * Loop thread: another node answered a promise round. The grants it relayed count as if the
   * members had answered this agent directly; then the promise (or decline) itself. Either can keep
   * the database writable longer, so the lease row follows.
   */
  private void onPeerAnswer(PromiseAnswer answer, List<LeaseGrant> relayed) {
    for (LeaseGrant g : relayed) {
      if (g.getMember().isEmpty()) continue; // a round counts each member once: one with no name cannot count
      String why = g.getAccepted() ? "" : (g.getDetail().isEmpty() ? g.getRefusal().name() : g.getDetail());
      act(keeper.onGrant(g.getRequestId(), g.getMember(), g.getAccepted(), g.getEpoch(), why,
          java.util.Set.copyOf(g.getMembershipList()), System.nanoTime()));
    }
    act(keeper.onPromiseAnswer(answer, System.nanoTime()));
    if (keeper.writable()) refreshLeaseRow();
  }

  /** How long a promoted replica may take to apply its relay log before the promotion is retried. */
  private static final Duration PROMOTE_APPLY_WAIT = Duration.ofSeconds(10);

  /** Fencer thread, after this server became writable in {@code epoch}: acknowledge the promote directives waiting for it. */
  private void promoted(long epoch) {
    String gtids;
    try {
      // The epoch's start position: where the earlier epochs' stream ended on this server.
      gtids = fenceDb.epochStart(epoch).orElse("");
    } catch (SQLException e) {
      gtids = "";
    }
    String at = gtids;
    loop.execute(() -> run(() -> {
      var it = pendingPromotes.values().iterator();
      while (it.hasNext()) {
        PendingPromote p = it.next();
        if (p.directive().getEpoch() > epoch) continue;
        it.remove();
        if (p.directive().getEpoch() < epoch) continue;
        DirectiveAck a = DirectiveAck.newBuilder().setId(p.directive().getId()).setEpoch(epoch).setDone(true)
            .setDetail("writable primary of epoch " + epoch).setGtids(at).build();
        LOG.info("directive {}: promoted, writable; the epoch starts after {}", p.directive().getId(), at);
        for (String via : p.vias()) links.ack(via, a);
      }
    }));
  }

  /**
   * Fencer thread: stops receiving from the primary being replaced (DESIGN §3.4). Refused without a
   * replication account: this agent could not attach the node to the new primary afterwards.
   */
  private DirectiveAck detach(Directive d) {
    DirectiveAck.Builder ack = DirectiveAck.newBuilder().setId(d.getId()).setEpoch(d.getEpoch());
    Optional<String> late = attachment.lateDetach(d.getEpoch());
    if (late.isPresent()) {
      LOG.info("directive {}: {}", d.getId(), late.get());
      return ack.setDone(true).setDetail(late.get()).build();
    }
    if (config.replication().isEmpty()) {
      String why = "not detached: no replication account is configured (agent.yaml replication:), so this agent could "
          + "not attach " + config.node() + " to the new primary afterwards";
      LOG.error("directive {}: {}", d.getId(), why);
      return ack.setDone(false).setDetail(why).build();
    }
    try {
      fenceDb.stopReceiving();
      String detail = "stopped receiving from " + d.getDetach().getFrom() + " (" + d.getDetach().getReason() + ")";
      LOG.warn("directive {}: {}", d.getId(), detail);
      return ack.setDone(true).setDetail(detail).build();
    } catch (SQLException | RuntimeException e) {
      String why = "could not stop receiving from " + d.getDetach().getFrom() + ": " + e.getMessage();
      LOG.error("directive {}: {}", d.getId(), why);
      return ack.setDone(false).setDetail(why).build();
    }
  }

  /** Fencer thread: points this server at the primary, unless it already replicates from there. */
  private String replicate(String host, int port, boolean semiSyncReplica) throws SQLException {
    if (config.replication().isEmpty()) {
      if (fenceDb.replicatesFrom(host, port)) {
        fenceDb.configureSemiSync(semiSyncReplica ? SemiSyncRole.REPLICA : SemiSyncRole.OFF, semiSyncTimeout);
        return "already replicating from " + host + ":" + port;
      }
      throw new SQLException("no replication account is configured (agent.yaml replication:), so this agent cannot "
          + "point " + config.node() + " at " + host + ":" + port, "HY000");
    }
    AgentConfig.Replication r = config.replication().get();
    String done = fenceDb.replicateFrom(new dev.deneb.fencing.dialect.ReplicationSource(host, port, r.user(), r.password(),
        r.tls(), r.connectRetry()));
    fenceDb.configureSemiSync(semiSyncReplica ? SemiSyncRole.REPLICA : SemiSyncRole.OFF, semiSyncTimeout);
    return done + (semiSyncReplica ? ", semi-sync replica" : "");
  }

  /** Runs the fencing ladder (it logs every rung); when no rung confirms the fence the keeper asks again next tick. */
  private void fence(LeaseAction.Fence f, long epoch) {
    if (!ladder.fence(new FenceRequest(config.cluster(), config.node(), epoch, f.reason() + ": " + f.detail())).confirmed()) {
      loop.execute(() -> keeper.actionFailed(f));
    }
  }

  /**
   * How long the lease row keeps the guard quiet: the lease's remainder less fenceLead, like the
   * agent's own fence point. The guard checks once a second, so a dead agent's primary is read-only
   * at most about a second after the point where a live agent would have fenced it.
   */
  private Duration rowValidity(long now) {
    return Duration.ofNanos(Math.max(0, keeper.remainingNanos(now) - config.lease().fenceLead().toNanos()));
  }

  /**
   * Extends the local lease row. At most one refresh waits on the fencer at a time: on a hanging
   * server each would block for a socket timeout, and a queue of them would delay a fence behind it.
   * Requests made while one waits are not lost: each records the newest end the keeper allows
   * ({@link #rowUntil}, on the monotonic clock), and the waiting refresh writes whatever is newest
   * when it runs. (It used to write the end known when it was queued and drop the requests behind
   * it: the second promise of a round, arriving milliseconds after the first, extended the hold but
   * not the row, and the database's guard fenced a primary the hold kept writable.)
   */
  private void refreshLeaseRow() {
    // Read on the loop thread, which owns the keeper. A refresh that waited writes a shorter row than
    // the lease allowed when it was asked for: that errs on the safe side.
    long now = System.nanoTime();
    rowEpoch = keeper.highestEpochSeen();
    rowUntil = now + rowValidity(now).toNanos();
    if (!refreshPending.compareAndSet(false, true)) return;
    fencer.execute(() -> {
      // Cleared before reading: a request made after this read queues a refresh of its own.
      refreshPending.set(false);
      long epoch = rowEpoch;
      Duration left = Duration.ofNanos(Math.max(0, rowUntil - System.nanoTime()));
      try {
        fenceDb.refreshLease(epoch, config.node(), left);
      } catch (SQLException e) {
        LOG.warn("could not refresh the lease row on {}: {}", config.node(), e.getMessage());
      }
    });
  }

  private void persistEpoch() {
    long seen = keeper.highestEpochSeen();
    if (seen > storedEpoch) {
      try {
        epochs.store(seen);
        storedEpoch = seen;
      } catch (IOException e) {
        LOG.error("could not persist highest epoch {}: {}", seen, e.getMessage());
      }
    }
  }

  /** A failure in one step is logged and the loop goes on: a dead loop would never fence. */
  private static void run(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      LOG.error("agent loop step failed", e);
    }
  }

  private static java.util.concurrent.ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    links.close();
    if (peerServer != null) peerServer.close();
    peerLinks.close();
    loop.shutdownNow();
    prober.shutdownNow();
    timers.shutdownNow();
    semiSyncSwitch.shutdownNow();
    nudger.shutdownNow();
    semiSyncDb.abort();
    fencer.shutdown();
    ladder.close();
    fenceDb.close();
    probeDb.close();
    semiSyncDb.close();
    nudgeDb.close();
  }
}
