package dev.deneb.controller.failover;

import dev.deneb.controller.agent.AgentReports;
import dev.deneb.controller.discovery.DiscoveryBackend;
import dev.deneb.controller.discovery.DiscoveryException;
import dev.deneb.controller.discovery.Publication;
import dev.deneb.controller.discovery.hook.CommandHook;
import dev.deneb.controller.lease.GroupLeases;
import dev.deneb.controller.lease.LapseRule;
import dev.deneb.controller.lease.LeaseKey;
import dev.deneb.controller.metrics.ControllerMetrics;
import dev.deneb.controller.raft.CommandGateway;
import dev.deneb.controller.raft.RaftMember;
import dev.deneb.fencing.gtid.GtidFlavor;
import dev.deneb.protocol.AbortWorkflow;
import dev.deneb.protocol.AdvanceWorkflow;
import dev.deneb.protocol.BeginWorkflow;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.CompleteWorkflow;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.SettleNode;
import dev.deneb.protocol.WorkflowStep;
import dev.deneb.state.DenebState;
import dev.deneb.state.Nodes;
import java.io.Closeable;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's reconciler (DESIGN §3.4; STYLE 6-8): one thread, one tick every {@code tickInterval}.
 * Each tick, on the leader only, it reads the applied state, gathers the evidence (agent reports,
 * lease silence), asks the pure {@link FailoverPolicy} for one decision per cluster, logs a decision
 * when it changes, and carries it out: a committed command carrying this leader's term, or the
 * discovery publication. The next tick sees the committed result, so a new leader simply continues
 * from the committed step (S5).
 *
 * <p>What a new leader must re-learn: agent reports (within one heartbeat, since agents report to
 * every member) and the other members' lease views (within one poll). Its own grants it kept as a
 * follower: agents renew through every member, so a leader change costs no lease its silence.
 */
public final class Orchestrator implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Orchestrator.class);

  /**
   * What {@code explain} shows for a cluster. The evidence is formatted only when asked for: at
   * thousands of clusters and ten ticks a second, formatting it every tick was the leader's main cost.
   */
  public record Explanation(String cluster, String member, String role, long term, Decision decision, long atMillis,
      java.util.function.Supplier<Map<String, String>> evidence) {}

  /** Set while this member does not lead: every cluster's explanation says so (built on demand). */
  private volatile RaftMember.Status notLeading;

  private final RaftMember member;
  private final CommandGateway gateway;
  private final AgentReports reports;
  private final GroupLeases leases;
  private final FailoverPolicy policy;
  private final PolicySettings settings;
  private final List<DiscoveryBackend> backends;
  private final List<CommandHook> preHooks;
  private final ControllerMetrics metrics;
  private final LongSupplier nanos;
  private final LongSupplier wallMillis;
  private final Duration tick;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "deneb-orchestrator");
    t.setDaemon(true);
    return t;
  });

  // Soft state, owned by the loop thread (explanations are read by API threads).
  private volatile long leaderTerm = -1;
  private final Map<String, StepSeen> steps = new HashMap<>();
  private final Map<String, Set<String>> published = new HashMap<>();
  private final Map<String, Decision> lastLogged = new HashMap<>();
  private final Map<String, Explanation> explanations = new ConcurrentHashMap<>();
  /** When each cluster was last decided, on which record, and when it must be decided again. */
  private record Look(ClusterRecord record, long dueNanos) {}

  /** The longest a healthy cluster goes without a look (the policy's deadlines cover the rest). */
  static final long MAX_WAIT_MILLIS = 1000;
  private final Map<String, Look> looks = new HashMap<>();
  private DenebState lastSwept;
  /** Clusters an agent's report changed since the last tick: looked at in the next one. */
  private final Set<String> woken = ConcurrentHashMap.newKeySet();
  /** The leases whose status this leader needs from the other members, by cluster. */
  private final Map<String, LeaseKey> doubtful = new HashMap<>();
  private boolean doubtfulChanged;

  private record StepSeen(long epoch, WorkflowStep step, long sinceNanos) {}

  /** The newest SQL fence attempt per cluster/target epoch, and when it was made. */
  private record SqlAttempt(String key, SqlFencer.Result result, long atNanos) {}

  private final Map<String, SqlAttempt> sqlAttempts = new HashMap<>();
  private final Optional<SqlFencer> sqlFencer;

  public Orchestrator(RaftMember member, CommandGateway gateway, AgentReports reports, GroupLeases leases,
      PolicySettings settings, List<DiscoveryBackend> backends, List<CommandHook> preHooks, Optional<SqlFencer> sqlFencer,
      ControllerMetrics metrics, Duration tick, LongSupplier nanos, LongSupplier wallMillis) {
    this.sqlFencer = sqlFencer;
    this.member = member;
    this.gateway = gateway;
    this.reports = reports;
    this.leases = leases;
    this.policy = new FailoverPolicy(settings);
    this.settings = settings;
    this.backends = List.copyOf(backends);
    this.preHooks = List.copyOf(preHooks);
    this.metrics = metrics;
    this.tick = tick;
    this.nanos = nanos;
    this.wallMillis = wallMillis;
    metrics.bindOrchestrator(this::leaseRemaining, this::lags);
  }

  public void start() {
    reports.onChange(woken::add);
    loop.scheduleWithFixedDelay(this::tickSafely, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
    // A committed step (an ack, a settle, a new epoch) is acted on at once, not at the next tick:
    // every workflow step saves up to one tick interval. Coalesced: at most one extra tick queued.
    member.stateMachine().addListener(image -> {
      if (wakePending.compareAndSet(false, true)) {
        loop.execute(() -> {
          wakePending.set(false);
          tickSafely();
        });
      }
    });
  }

  private final java.util.concurrent.atomic.AtomicBoolean wakePending = new java.util.concurrent.atomic.AtomicBoolean();

  public Optional<Explanation> explain(String cluster) {
    RaftMember.Status s = notLeading;
    if (s != null) {
      return Optional.of(new Explanation(cluster, member.selfId().toString(), s.roleName(), s.term(),
          Decision.none(Decision.Reason.PRIMARY_HEALTHY, "this member is not the leader ("
              + s.leader().map(l -> "leader is " + l).orElse("no leader known") + "); the orchestrator runs there"),
          wallMillis.getAsLong(), Map::of));
    }
    return Optional.ofNullable(explanations.get(cluster));
  }

  /**
   * The replica a switchover should go to: the safe candidate choice over this member's reports
   * (no final position yet: the switchover itself waits for the target to reach it).
   */
  public Optional<String> suggestSwitchoverTarget(ClusterRecord c) {
    Evidence e = evidence(c, false);
    Map<String, CandidateChooser.ReplicaReport> replicas = new HashMap<>();
    e.nodes().forEach((n, v) -> replicas.put(n, new CandidateChooser.ReplicaReport(v.up(),
        v.fresh(settings.reportStaleAfter().toMillis()), v.report().getExecutedGtids(), v.report().getExecutedGtids(),
        v.report().getLagSeconds())));
    var result = CandidateChooser.choose(c, replicas, e.flavor(), Optional.empty(), CandidateChooser.Mode.SAFE);
    return result.choice() instanceof CandidateChooser.Choice.Chosen chosen ? Optional.of(chosen.node()) : Optional.empty();
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      // A failed tick must not kill the loop: the next one starts again from the committed state.
      LOG.error("orchestrator tick failed", e);
    }
  }

  private void tick() {
    RaftMember.Status status = member.status();
    DenebState state = member.stateMachine().image().state();
    boolean leading = status.roleName().equals("LEADER") && status.leaderReady();
    if (!leading) {
      if (leaderTerm != -1) LOG.info("no longer leader (term {}): orchestrator idle", status.term());
      leaderTerm = -1;
      leases.want(Set.of());
      notLeading = status;
      explanations.clear();
      looks.clear();
      woken.clear();
      doubtful.clear();
      return;
    }
    if (leaderTerm != status.term()) {
      leaderTerm = status.term();
      steps.clear();
      looks.clear();
      doubtfulChanged = true;
      LOG.info("leader in term {}: orchestrating {} cluster(s) from their committed steps", leaderTerm, state.clusters().size());
    }
    notLeading = null;
    long now = nanos.getAsLong();
    for (ClusterRecord c : state.clusters().values()) {
      Look last = looks.get(c.getName());
      boolean reportChanged = woken.remove(c.getName());
      if (last != null && last.record() == c && now - last.dueNanos() < 0 && !reportChanged) continue;
      looks.put(c.getName(), new Look(c, now + decide(c, now) * 1_000_000));
    }
    if (state != lastSwept) {
      // Clusters deleted since: only a commit changes the set.
      lastSwept = state;
      looks.keySet().retainAll(state.clusters().keySet());
      explanations.keySet().retainAll(state.clusters().keySet());
      doubtfulChanged |= doubtful.keySet().retainAll(state.clusters().keySet());
    }
    if (doubtfulChanged) {
      doubtfulChanged = false;
      leases.want(Set.copyOf(doubtful.values()));
    }
  }

  /**
   * One decision for one cluster, logged, explained and carried out.
   *
   * @return how long the cluster may go without another look unless its record or a report changes
   */
  private long decide(ClusterRecord c, long now) {
    LeaseKey lease = GroupLeases.keyOf(c);
    long ttl = c.getSettings().getLeaseTtlMillis();
    // Ask the others only about leases this leader does not see renewed itself (half the TTL: with a
    // round every third of the TTL, a healthy lease is never doubted, one lost round included).
    long untilDoubtful = lease == null ? Long.MAX_VALUE : leases.untilDoubtfulMillis(c, lease, now, ttl / 2);
    boolean changed = untilDoubtful == 0 ? !lease.equals(doubtful.put(c.getName(), lease)) : doubtful.remove(c.getName()) != null;
    doubtfulChanged |= changed;
    Evidence e = evidence(c, true);
    Decision d = policy.decide(c, e);
    explanations.put(c.getName(), new Explanation(c.getName(), member.selfId().toString(), "LEADER", leaderTerm, d,
        wallMillis.getAsLong(), () -> summary(c, e)));
    logIfChanged(c, d);
    execute(c, d, e);
    return untilDoubtful == 0 ? 0 : Math.min(untilDoubtful, policy.waitMillis(c, d, e, MAX_WAIT_MILLIS));
  }

  /** The leader's view of every primary's lease: TTL less the group's silence, computed when scraped. */
  private Map<String, Long> leaseRemaining() {
    if (notLeading != null || leaderTerm == -1) return Map.of();
    long now = nanos.getAsLong();
    Map<String, Long> out = new HashMap<>();
    for (ClusterRecord c : member.stateMachine().image().state().clusters().values()) {
      LeaseKey lease = GroupLeases.keyOf(c);
      if (lease != null) out.put(c.getName(), c.getSettings().getLeaseTtlMillis() - leases.status(lease, now).groupSilenceMillis());
    }
    return out;
  }

  /** Each replica's lag as its agent last reported it to this member, keyed cluster/node. */
  private Map<String, Long> lags() {
    if (notLeading != null || leaderTerm == -1) return Map.of();
    Map<String, Long> out = new HashMap<>();
    for (ClusterRecord c : member.stateMachine().image().state().clusters().values()) {
      for (NodeRecord n : c.getNodesList()) {
        reports.latest(c.getName(), n.getNode()).map(AgentReports.Received::report).filter(r -> r.getLagSeconds() >= 0)
            .ifPresent(r -> out.put(c.getName() + "/" + n.getNode(), r.getLagSeconds()));
      }
    }
    return out;
  }

  /** @param trackSteps false from API threads: only the loop thread owns the step-age map */
  private Evidence evidence(ClusterRecord c, boolean trackSteps) {
    long now = nanos.getAsLong();
    Map<String, NodeView> nodes = new HashMap<>();
    GtidFlavor flavor = GtidFlavor.MARIADB;
    for (NodeRecord n : c.getNodesList()) {
      Optional<AgentReports.Received> r = reports.latest(c.getName(), n.getNode());
      if (r.isEmpty()) continue;
      var got = r.get();
      nodes.put(n.getNode(), new NodeView(n.getNode(), got.report(), got.ageMillis(now),
          // Down "for" the span the agent itself kept reporting it, not the time since its last words:
          // a single report (an agent dying with its host) is not a sustained observation (§3.3).
          got.downSinceNanos() < 0 ? -1 : (got.receivedAtNanos() - got.downSinceNanos()) / 1_000_000,
          Math.max(0, now - got.receivedAtNanos()) / 1_000_000));
      if (got.report().getExecutedGtids().contains(":")) flavor = GtidFlavor.MYSQL;
    }
    LeaseKey lease = GroupLeases.keyOf(c);
    LapseRule.LeaseStatus ls = lease == null ? LapseRule.LeaseStatus.NONE : leases.status(lease, now);
    long stepAge = 0;
    if (c.hasWorkflow() && trackSteps) {
      StepSeen seen = steps.get(c.getName());
      if (seen == null || seen.epoch() != c.getWorkflow().getTargetEpoch() || seen.step() != c.getWorkflow().getStep()) {
        seen = new StepSeen(c.getWorkflow().getTargetEpoch(), c.getWorkflow().getStep(), now);
        steps.put(c.getName(), seen);
      }
      stepAge = (now - seen.sinceNanos()) / 1_000_000;
    } else if (trackSteps) {
      steps.remove(c.getName());
    }
    Evidence.SqlFence sql = Evidence.SqlFence.NONE;
    if (sqlFencer.isPresent()) {
      SqlAttempt a = c.hasWorkflow() ? sqlAttempts.get(c.getName()) : null;
      boolean current = a != null && a.key().equals(c.getWorkflow().getTargetEpoch() + "/" + c.getWorkflow().getFrom());
      sql = new Evidence.SqlFence(true, current ? a.result() : null, current ? (now - a.atNanos()) / 1_000_000 : 0);
    }
    return new Evidence(Map.copyOf(nodes), ls.groupSilenceMillis(), ls.revokedSilenceMillis(), ls.everGranted(), stepAge,
        wallMillis.getAsLong(), flavor, sql, ls.describe());
  }

  private static Map<String, String> summary(ClusterRecord c, Evidence e) {
    Map<String, String> out = new java.util.TreeMap<>();
    out.put("leaseSilenceMillis", Long.toString(e.leaseSilenceMillis()));
    if (c.hasWorkflow()) out.put("leaseRevokedSilenceMillis", Long.toString(e.leaseRevokedSilenceMillis()));
    if (!e.leaseDetail().isEmpty()) out.put("leaseGrants", e.leaseDetail());
    if (c.hasWorkflow()) out.put("stepAgeMillis", Long.toString(e.stepAgeMillis()));
    for (NodeRecord n : c.getNodesList()) {
      NodeView v = e.node(n.getNode());
      out.put("node." + n.getNode(), !v.reported() ? "no report at this member"
          : "report " + v.reportAgeMillis() + " ms old, mysqld " + (v.up() ? "up" : "DOWN" + (v.downForMillis() >= 0
              ? " for " + v.downForMillis() + " ms" : "")) + ", read_only " + v.report().getReadOnly()
              + (v.report().getSource().isEmpty() ? "" : ", source " + v.report().getSource() + " io "
                  + v.report().getIoRunning() + " lag " + v.report().getLagSeconds())
              + ", executed " + v.report().getExecutedGtids()
              + (v.report().getError().isEmpty() ? "" : ", error " + v.report().getError()));
    }
    return out;
  }

  /**
   * A cluster whose decision changed more than this many times within {@link #FLAP_WINDOW_NANOS} is
   * flapping (evidence coming and going, e.g. a leader too busy to hear every member): its further
   * non-acting changes are counted, not logged, until the window passes. At 10,000 clusters an
   * overloaded leader logged a million such lines in two minutes, which made it slower still.
   */
  static final int FLAP_LINES = 3;
  static final long FLAP_WINDOW_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
  private final Map<String, long[]> logTimes = new HashMap<>();
  private final Map<String, Integer> unlogged = new HashMap<>();
  /** Each cluster's latest decided reason, logged or not. */
  private final Map<String, Decision.Reason> lastDecided = new HashMap<>();

  private void logIfChanged(ClusterRecord c, Decision d) {
    Decision.Reason decidedBefore = lastDecided.put(c.getName(), d.reason());
    boolean changed = decidedBefore != d.reason();
    Decision last = lastLogged.get(c.getName());
    if (last != null && last.reason() == d.reason()) return;
    boolean acting = !(d.action() instanceof Decision.Action.None);
    long now = nanos.getAsLong();
    long[] times = logTimes.computeIfAbsent(c.getName(), k -> new long[FLAP_LINES]);
    int count = unlogged.getOrDefault(c.getName(), 0);
    // times[] holds the last FLAP_LINES log times, oldest first (0 = none).
    if (!acting && times[0] != 0 && now - times[0] < FLAP_WINDOW_NANOS) {
      if (changed) {
        unlogged.put(c.getName(), count + 1);
        recordBlocked(c, d);
      }
      return;
    }
    lastLogged.put(c.getName(), d);
    System.arraycopy(times, 1, times, 0, FLAP_LINES - 1);
    times[FLAP_LINES - 1] = now;
    unlogged.remove(c.getName());
    String line = "cluster {} epoch {}: {} — {}" + (count == 0 ? "" : " (after " + count + " changes not logged: flapping)");
    if (acting || d.reason() == Decision.Reason.PRIMARY_HEALTHY) LOG.info(line, c.getName(), c.getEpoch(), d.reason(), d.detail());
    else LOG.warn(line, c.getName(), c.getEpoch(), d.reason(), d.detail());
    if (changed) recordBlocked(c, d);
  }

  private void recordBlocked(ClusterRecord c, Decision d) {
    switch (d.reason()) {
      case PAUSED, COOLDOWN, AUTO_FAILOVER_OFF, NO_CANDIDATE, NO_CANDIDATE_AVAILABLE ->
          metrics.recordBlockedRecovery(c.getName(), d.reason().name());
      default -> { }
    }
  }

  // ---- carrying decisions out ---------------------------------------------------------------------

  private void execute(ClusterRecord c, Decision d, Evidence e) {
    String cluster = c.getName();
    Command.Builder cmd = Command.newBuilder();
    Decision.Action action = d.action();
    if (action instanceof Decision.Action.None) {
      return;
    } else if (action instanceof Decision.Action.Begin b) {
      cmd.setBeginWorkflow(BeginWorkflow.newBuilder().setCluster(cluster).setKind(b.kind())
          .setExpectedEpoch(c.getEpoch()).setTarget(b.target()).setAutomatic(true)
          .setReason(d.reason() + ": " + d.detail()).setTerm(leaderTerm));
    } else if (action instanceof Decision.Action.Advance a) {
      AdvanceWorkflow.Builder adv = AdvanceWorkflow.newBuilder().setCluster(cluster)
          .setTargetEpoch(c.getWorkflow().getTargetEpoch()).setStep(a.step()).setCandidate(a.candidate())
          .setLostGtids(a.lostGtids()).setFinalGtids(a.finalGtids()).setDetail(d.reason() + ": " + d.detail())
          .setTerm(leaderTerm);
      if (a.step() == WorkflowStep.PROMOTED) {
        FailoverPolicy.ack(c.getWorkflow(), "promote", c.getWorkflow().getTarget()).ifPresent(k -> adv.setStartGtids(k.getGtids()));
        adv.setFinalGtids("");
      }
      cmd.setAdvanceWorkflow(adv);
    } else if (action instanceof Decision.Action.FenceOverSql) {
      // I/O on the orchestrator's thread, bounded by the access timeouts and a 1 s fence budget; the
      // result is evidence for the next tick, which commits FENCED if it held.
      NodeRecord from = Nodes.find(c, c.getWorkflow().getFrom()).orElseThrow();
      SqlFencer.Result r = sqlFencer.orElseThrow().fence(from.getHost(), from.getPort());
      sqlAttempts.put(cluster, new SqlAttempt(c.getWorkflow().getTargetEpoch() + "/" + from.getNode(), r, nanos.getAsLong()));
      if (r.fenced()) LOG.warn("cluster {}: {}", cluster, r.detail()); else LOG.info("cluster {}: {}", cluster, r.detail());
      return;
    } else if (action instanceof Decision.Action.Publish) {
      if (!publish(c)) return;
      cmd.setAdvanceWorkflow(AdvanceWorkflow.newBuilder().setCluster(cluster)
          .setTargetEpoch(c.getWorkflow().getTargetEpoch()).setStep(WorkflowStep.DISCOVERY_PUBLISHED)
          .setDetail("published to " + (backends.isEmpty() ? "the built-in API and DNS only" : backendNames()))
          .setTerm(leaderTerm));
    } else if (action instanceof Decision.Action.Settle st) {
      cmd.setSettleNode(SettleNode.newBuilder().setCluster(cluster).setNode(st.node())
          .setQuarantine(st.quarantine()).setExtraGtids(st.extraGtids()).setDetail(d.detail()).setEpoch(c.getEpoch())
          .setTerm(leaderTerm));
    } else if (action instanceof Decision.Action.Complete) {
      cmd.setCompleteWorkflow(CompleteWorkflow.newBuilder().setCluster(cluster)
          .setTargetEpoch(c.getWorkflow().getTargetEpoch()).setTerm(leaderTerm));
    } else if (action instanceof Decision.Action.Abort) {
      cmd.setAbortWorkflow(AbortWorkflow.newBuilder().setCluster(cluster)
          .setTargetEpoch(c.getWorkflow().getTargetEpoch()).setReason(d.reason() + ": " + d.detail()).setTerm(leaderTerm));
    }
    Optional<CommandResult> result = commit(cmd.build());
    if (result.isEmpty()) return;
    if (!result.get().getAccepted()) {
      LOG.warn("cluster {}: {} refused ({}): {}", cluster, cmd.getKindCase(), result.get().getRefusal(), result.get().getMessage());
      return;
    }
    LOG.info("cluster {}: committed {}: {}", cluster, cmd.getKindCase(), result.get().getMessage());
    afterCommit(c, d, e);
  }

  private Optional<CommandResult> commit(Command command) {
    try {
      return Optional.of(gateway.submitAgentLane(command).get());
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (java.util.concurrent.ExecutionException ee) {
      // Lost quorum or leadership: the next tick decides again from whatever was committed.
      LOG.warn("could not commit {}: {}", command.getKindCase(), ee.getCause() == null ? ee.getMessage() : ee.getCause().getMessage());
      return Optional.empty();
    }
  }

  /** Metrics for a committed step; the decision and evidence are those it was taken on. */
  private void afterCommit(ClusterRecord c, Decision d, Evidence e) {
    String kind = c.hasWorkflow() ? c.getWorkflow().getKind().name().toLowerCase() : "failover";
    Decision.Action action = d.action();
    if (action instanceof Decision.Action.Begin) {
      runPreHooks(c);
      long evidenceAge = d.reason() == Decision.Reason.PRIMARY_MYSQLD_DOWN ? e.node(c.getPrimary()).downForMillis()
          : e.leaseSilenceMillis();
      metrics.recordDetection(d.reason().name(), Duration.ofMillis(Math.max(0, evidenceAge)));
    } else if (action instanceof Decision.Action.Advance a && a.step() == WorkflowStep.PROMOTED) {
      metrics.recordFailoverDuration(kind, Duration.ofMillis(Math.max(0, wallMillis.getAsLong() - c.getWorkflow().getBegunAtMillis())));
    } else if (action instanceof Decision.Action.Settle st && st.quarantine()) {
      metrics.recordQuarantine(c.getName(), st.node());
    } else if (action instanceof Decision.Action.Complete) {
      metrics.recordWorkflow(kind, "completed");
      published.remove(c.getName() + "/" + c.getWorkflow().getTargetEpoch());
    } else if (action instanceof Decision.Action.Abort) {
      metrics.recordWorkflow(kind, "aborted");
    }
  }

  /**
   * Publishes the promoted primary to every backend not yet done for this epoch; true once all are
   * (a backend that refused a stale epoch on purpose counts as done: a newer epoch owns it).
   */
  private boolean publish(ClusterRecord c) {
    Set<String> done = published.computeIfAbsent(c.getName() + "/" + c.getWorkflow().getTargetEpoch(), k -> new HashSet<>());
    NodeRecord primary = Nodes.find(c, c.getPrimary()).orElseThrow();
    Optional<Publication.Endpoint> previous = Nodes.find(c, c.getWorkflow().getFrom())
        .map(n -> new Publication.Endpoint(n.getNode(), n.getHost(), n.getPort()));
    long previousEpoch = c.getHistoryCount() >= 2 ? c.getHistory(c.getHistoryCount() - 2).getEpoch() : 0;
    Publication p = new Publication(c.getName(), c.getEpoch(), previousEpoch,
        new Publication.Endpoint(primary.getNode(), primary.getHost(), primary.getPort()), previous,
        c.getSettings().getDnsNamesList());
    boolean all = true;
    for (DiscoveryBackend b : backends) {
      if (done.contains(b.name())) continue;
      try {
        b.publish(p);
        done.add(b.name());
        metrics.recordDiscovery(b.name(), "ok");
        LOG.info("cluster {}: {} now names {} (epoch {})", c.getName(), b.name(), primary.getNode(), c.getEpoch());
      } catch (DiscoveryException ex) {
        metrics.recordDiscovery(b.name(), ex.refused() ? "refused" : "error");
        if (ex.refused()) {
          LOG.error("cluster {}: {} REFUSED epoch {} as stale: {}", c.getName(), b.name(), c.getEpoch(), ex.getMessage());
          done.add(b.name());
        } else {
          LOG.warn("cluster {}: publishing to {} failed (retrying next tick): {}", c.getName(), b.name(), ex.getMessage());
          all = false;
        }
      }
    }
    return all;
  }

  /**
   * The operator's pre-failover hooks, once the workflow is committed. Advisory: a failing hook is
   * logged and the failover goes on, because safety comes from the epoch, not from hooks.
   */
  private void runPreHooks(ClusterRecord c) {
    if (preHooks.isEmpty()) return;
    NodeRecord from = Nodes.find(c, c.getPrimary()).orElseThrow();
    Publication.Endpoint old = new Publication.Endpoint(from.getNode(), from.getHost(), from.getPort());
    Publication p = new Publication(c.getName(), c.getEpoch() + 1, c.getEpoch(), old, Optional.of(old),
        c.getSettings().getDnsNamesList());
    for (CommandHook hook : preHooks) {
      try {
        hook.run(p);
      } catch (DiscoveryException ex) {
        LOG.warn("cluster {}: pre-failover hook {} failed (the failover goes on): {}", c.getName(), hook.describe(), ex.getMessage());
      }
    }
  }

  private String backendNames() {
    return String.join(", ", backends.stream().map(DiscoveryBackend::name).toList());
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}
