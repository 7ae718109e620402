package dev.deneb.simulation.lease;

import dev.deneb.agent.lease.LeaseSettings;
import dev.deneb.controller.failover.PolicySettings;
import dev.deneb.protocol.BootstrapEpoch;
import dev.deneb.protocol.ClusterSettings;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.CreateCluster;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.RegisterNode;
import dev.deneb.protocol.WorkflowStep;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The model check of the quorum lease rule (DESIGN §3.9 rule 5, docs/lease.md): one seed drives a
 * whole run — three controller members with the real {@code GrantTable}, {@code LapseRule} and
 * {@code ClusterStateMachine}, two agents with the real {@code LeaseKeeper}, every process on its own
 * drifting clock, a lossy network and a nemesis — on one thread in virtual time. S1, S2 and S3 are
 * checked after every event ({@link SafetyMonitor}); the same seed replays the same run exactly.
 *
 * <p>The pieces: {@link ModelRaft} (one committed log, leaders and terms), {@link ModelMember},
 * {@link ModelAgent} (and what "the database accepts writes" means here), {@link Orchestrator} (the
 * leader's lease decisions, with a {@link FenceRule}), {@link ModelNetwork}, {@link Faults},
 * {@link DriftingClock}. Each says what it leaves out.
 *
 * <p>Member restarts are in the fault set ({@link Config#restarts}): a restarted member's applied
 * state may fall back to an earlier prefix, and it grants nothing until its catch-up gate opens
 * ({@link ModelMember}). Without the gate ({@link Config#catchUpGate} false, a mutant) the production
 * rule fails S1: see {@link LeaseModelMutantTest#theCatchUpGateDroppedIsCaught} and
 * {@link RestartedMemberCannotReopenLeaseTest}.
 */
final class LeaseModel {
  static final String CLUSTER = "orders";
  static final List<String> GROUP = List.of("m1", "m2", "m3");
  static final List<String> NODES = List.of("db1", "db2");
  /** With failsafe: an agent whose node is not registered in the cluster ({@link FailsafeMode}). */
  static final String OUTSIDER = "db3";
  static final double RHO = LeaseSettings.DEFAULTS.drift();
  static final PolicySettings POLICY = PolicySettings.defaults();
  private static final long WALL_BASE_MILLIS = 1_800_000_000_000L;

  /**
   * @param traceKeep how many trace notes to keep (0: all)
   * @param restarts whether the nemesis also crashes and restarts members, whose applied state may fall
   *     back to an earlier prefix (see {@link ModelMember#restart}); on by default
   * @param catchUpGate whether a restarted member grants nothing until it has caught up with the group
   *     (production's CatchUpGate); off only for the mutant that drops the gate
   */
  record Config(long seed, FenceRule rule, long durationMillis, int traceKeep, boolean restarts, boolean catchUpGate,
      FailsafeMode failsafe) {
    static Config of(long seed, FenceRule rule) {
      return new Config(seed, rule, 60_000, 300, true, true, FailsafeMode.OFF);
    }

    Config withoutRestarts() {
      return new Config(seed, rule, durationMillis, traceKeep, false, catchUpGate, failsafe);
    }

    /** The mutant: a restarted member's grant table is caught up at once. */
    Config withoutCatchUpGate() {
      return new Config(seed, rule, durationMillis, traceKeep, restarts, false, failsafe);
    }

    Config withFailsafe(FailsafeMode mode) {
      return new Config(seed, rule, durationMillis, traceKeep, restarts, catchUpGate, mode);
    }

    Config tracingAll() {
      return new Config(seed, rule, durationMillis, 0, restarts, catchUpGate, failsafe);
    }

    String describe() {
      return "seed=" + seed + " rule=" + rule + (restarts ? "" : " without restarts") + (catchUpGate ? "" : " without the catch-up gate")
          + (failsafe.on() ? " failsafe=" + failsafe : "");
    }

    String properties() {
      return "-Ddeneb.sim.seed=" + seed + " -Ddeneb.sim.rule=" + rule + (restarts ? "" : " -Ddeneb.sim.restarts=false")
          + (catchUpGate ? "" : " -Ddeneb.sim.gate=false") + (failsafe.on() ? " -Ddeneb.sim.failsafe=" + failsafe : "");
    }
  }

  /** One run's result: the first violation (null if none), what the run went through, the newest trace notes. */
  record Outcome(Config config, String violation, RunStats stats, String trace) {
    boolean violated() {
      return violation != null;
    }

    String reproduce() {
      return "reproduce with " + config.describe() + " (mvn -pl simulation test -Dtest=LeaseModelReplayTest "
          + config.properties() + ")";
    }
  }

  final Config config;
  final EventScheduler scheduler = new EventScheduler();
  final SplittableRandom random;
  /** The catch-up gate's own draws (its messages' loss, duplication and delay), apart from {@link #random}. */
  final SplittableRandom gateDraws;
  /** The failsafe faults' own draws, apart from {@link #random}: a run without failsafe is what it was before. */
  final SplittableRandom failsafeDraws;
  final Trace trace;
  final RunStats stats = new RunStats();
  final ModelNetwork network;
  final ModelRaft raft;
  final List<ModelMember> members = new ArrayList<>();
  final List<ModelAgent> agents = new ArrayList<>();
  final SafetyMonitor monitor = new SafetyMonitor(this);
  /** Whether members deliver fence directives to the old primary's agent in this run (the ack path). */
  final boolean fenceDirectives;
  /** Target epochs whose FENCED was committed on a lease lapse (no acknowledgement). */
  final Set<Long> lapseFenced = new HashSet<>();
  private final List<DriftingClock> clocks = new ArrayList<>();
  /** The current leadership's orchestrator (the newest elected leader's, even if it has stepped down since). */
  Orchestrator orchestrator;

  private LeaseModel(Config config) {
    this.config = config;
    this.random = new SplittableRandom(config.seed());
    this.gateDraws = new SplittableRandom(config.seed() ^ 0x6a09e667f3bcc908L);
    this.failsafeDraws = new SplittableRandom(config.seed() ^ 0xbb67ae8584caa73bL);
    this.trace = new Trace(scheduler, config.traceKeep());
    double drop = random.nextInt(3) == 0 ? 0 : random.nextDouble() * 0.1;
    double duplicate = random.nextDouble() * 0.05;
    this.network = new ModelNetwork(scheduler, random, drop, duplicate);
    this.fenceDirectives = random.nextBoolean();
    stats.fenceDirectives = fenceDirectives;
    this.raft = new ModelRaft(scheduler, random, network, trace, bootstrap(), this::committed);
    for (String id : GROUP) members.add(new ModelMember(id, clock(), this));
    for (String node : NODES) agents.add(new ModelAgent(node, clock(), this));
    if (config.failsafe().on()) agents.add(new ModelAgent(OUTSIDER, clock(), this));
    raft.join(members, leader -> {
      orchestrator = new Orchestrator(leader, raft.term(), this);
      orchestrator.start();
    });
    trace.note("seed %d, rule %s, drop %.3f, duplicate %.3f, fence directives %s, restarts %s, catch-up gate %s, failsafe %s",
        config.seed(), config.rule(), drop, duplicate, fenceDirectives, config.restarts(), config.catchUpGate(), config.failsafe());
  }

  static Outcome run(Config config) {
    return new LeaseModel(config).execute();
  }

  private Outcome execute() {
    raft.start(members.get(random.nextInt(members.size())));
    for (ModelMember m : members) m.start();
    for (ModelAgent a : agents) a.start();
    new Faults(this).start(clocks);
    scheduler.runUntil(config.durationMillis() * 1_000_000, monitor::afterEvent);
    monitor.atEnd();
    stats.events = scheduler.executed();
    stats.messages = network.sent;
    stats.leaderChanges = raft.leaderChanges;
    return new Outcome(config, monitor.violation(), stats, trace.render());
  }

  private DriftingClock clock() {
    DriftingClock c = new DriftingClock(random.nextLong(-(1L << 60), 1L << 60), Faults.rate(random, RHO), RHO);
    clocks.add(c);
    return c;
  }

  /** The wall clock stamped into commands (only the state machine's cooldown compares it). */
  long wallMillis() {
    return WALL_BASE_MILLIS + scheduler.now() / 1_000_000;
  }

  private static List<Command> bootstrap() {
    // Cooldown 1 ms: a run may fail over back and forth (TTL and every other setting at their defaults).
    List<Command> log = new ArrayList<>();
    log.add(Command.newBuilder().setCreateCluster(CreateCluster.newBuilder().setCluster(CLUSTER)
        .setSettings(ClusterSettings.newBuilder().setCooldownMillis(1))).build());
    int i = 1;
    for (String node : NODES) {
      log.add(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setCluster(CLUSTER).setNode(node)
          .setHost("10.0.0." + i++).setPort(3306).setPromotionRule(PromotionRule.NEUTRAL)).build());
    }
    log.add(Command.newBuilder().setBootstrapEpoch(BootstrapEpoch.newBuilder().setCluster(CLUSTER).setPrimary(NODES.get(0)))
        .build());
    return log;
  }

  private void committed(ModelRaft.Entry e, CommandResult result) {
    if (!result.getAccepted()) return;
    stats.highestEpoch = Math.max(stats.highestEpoch, result.getEpoch());
    Command c = e.command();
    if (c.hasBeginWorkflow()) stats.failoversBegun++;
    if (c.hasAdvanceWorkflow() && c.getAdvanceWorkflow().getStep() == WorkflowStep.FENCED) {
      if (c.getAdvanceWorkflow().getDetail().startsWith("lapse")) {
        stats.fencedByLapse++;
        lapseFenced.add(c.getAdvanceWorkflow().getTargetEpoch());
      } else {
        stats.fencedByAck++;
      }
    }
    if (c.hasAdvanceWorkflow() && c.getAdvanceWorkflow().getStep() == WorkflowStep.CANDIDATE_CHOSEN) stats.candidatesChosen++;
  }
}
