package dev.deneb.state.bench;

import dev.deneb.protocol.AdvanceWorkflow;
import dev.deneb.protocol.BeginWorkflow;
import dev.deneb.protocol.BootstrapEpoch;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Command;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.CompleteWorkflow;
import dev.deneb.protocol.CreateCluster;
import dev.deneb.protocol.LeaseRenewal;
import dev.deneb.protocol.PromotionRule;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.RegisterNode;
import dev.deneb.protocol.RemoveNode;
import dev.deneb.protocol.RenewLeases;
import dev.deneb.protocol.SetPaused;
import dev.deneb.protocol.WorkflowKind;
import dev.deneb.protocol.WorkflowRecord;
import dev.deneb.protocol.WorkflowStep;
import dev.deneb.state.Applied;
import dev.deneb.state.ClusterStateMachine;
import dev.deneb.state.DenebState;
import dev.deneb.state.Nodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * How fast the pure state machine applies a realistic log (the apply thread's budget, DESIGN §3.2:
 * renewals are batched so the log carries a few entries per second per member, however many clusters).
 *
 * <p>Builds N bootstrapped clusters of 3 nodes, then applies a seeded command mix — mostly
 * {@code RenewLeases} batches of 50 renewals (every primary in turn, at its current epoch), plus node
 * churn, pause/resume and switchover workflows stepped through every step — first for a warm-up,
 * then for a measured period. Reports commands/s, renewals/s and the per-apply latency distribution.
 * Only {@link ClusterStateMachine#apply} is timed; building the next command is not. No JMH: one
 * thread, {@link System#nanoTime()}, no sleeps. Run as {@code deneb bench apply} or {@link #main}.
 */
public final class ApplyBenchmark {
  /** Renewals per RenewLeases entry: what one member batches in a short window. */
  public static final int BATCH = 50;
  private static final long TERM = 7;
  private static final int MAX_WORKFLOWS = 4;
  private static final int MAX_PAUSED = 8;

  /** The command families of the mix, with their shares out of 1000. */
  enum Kind {
    RENEW(900), NODE_CHURN(40), PAUSE(30), WORKFLOW_STEP(30);

    final int perMille;

    Kind(int perMille) {
      this.perMille = perMille;
    }
  }

  /** What one run measured. Latencies in microseconds. */
  public record Report(int clusters, Duration warmup, Duration measured, long seed, long commands, long renewals,
      long renewalsAccepted, long refusedCommands, long workflowsCompleted, long applyNanos, Latency all,
      Latency renew, Latency other) {

    public double commandsPerSecond() {
      return commands / seconds(measured.toNanos());
    }

    public double renewalsPerSecond() {
      return renewals / seconds(measured.toNanos());
    }

    /** Commands per second of apply time alone: the ceiling if nothing else ran on the apply thread. */
    public double applyOnlyCommandsPerSecond() {
      return commands / seconds(applyNanos);
    }

    public String format() {
      return String.format(Locale.ROOT, """
          deneb bench apply: %,d clusters x 3 nodes, warm-up %.1f s, measured %.1f s, seed %d
            commands/s  %,12.0f   (apply time only: %,.0f/s)
            renewals/s  %,12.0f   (%d per RenewLeases entry; %.1f%% accepted)
            latency us          p50       p99       max           n
              all          %s
              RenewLeases  %s
              other        %s   (register/remove, pause, workflow steps)
            %,d workflows completed; %d of %,d commands refused
          """,
          clusters, seconds(warmup.toNanos()), seconds(measured.toNanos()), seed,
          commandsPerSecond(), applyOnlyCommandsPerSecond(),
          renewalsPerSecond(), BATCH, renewals == 0 ? 0.0 : 100.0 * renewalsAccepted / renewals,
          all.format(), renew.format(), other.format(),
          workflowsCompleted, refusedCommands, commands);
    }
  }

  /** A latency distribution in microseconds. */
  public record Latency(long count, double p50, double p99, double max) {
    static Latency of(Samples s) {
      if (s.size == 0) return new Latency(0, 0, 0, 0);
      long[] sorted = Arrays.copyOf(s.values, s.size);
      Arrays.sort(sorted);
      return new Latency(s.size, micros(percentile(sorted, 0.50)), micros(percentile(sorted, 0.99)),
          micros(sorted[sorted.length - 1]));
    }

    String format() {
      return String.format(Locale.ROOT, "%8.1f  %8.1f  %8.1f  %10s", p50, p99, max, String.format(Locale.ROOT, "%,d", count));
    }
  }

  private ApplyBenchmark() {}

  /** Warm-up of half the measured time (at least one second), then {@code seconds} measured; a printable report. */
  public static String run(int clusters, int seconds) {
    Duration measured = Duration.ofSeconds(Math.max(1, seconds));
    Duration warmup = Duration.ofMillis(Math.max(1_000, measured.toMillis() / 2));
    return measure(clusters, warmup, measured, 42).format();
  }

  public static Report measure(int clusters, Duration warmup, Duration measured, long seed) {
    if (clusters < 1) throw new IllegalArgumentException("clusters must be at least 1, not " + clusters);
    Mix mix = new Mix(clusters, seed);
    mix.drive(warmup.toNanos(), null);
    Stats stats = new Stats();
    mix.drive(measured.toNanos(), stats);
    return new Report(clusters, warmup, measured, seed, stats.commands, stats.renewals, stats.renewalsAccepted,
        stats.refused, stats.workflowsCompleted, stats.applyNanos, Latency.of(stats.all), Latency.of(stats.renew),
        Latency.of(stats.other));
  }

  /** {@code [clusters ...] [--seconds N]}; default 10, 1000 and 10000 clusters, 5 s each. */
  public static void main(String[] args) {
    List<Integer> sizes = new ArrayList<>();
    int seconds = 5;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--seconds") && i + 1 < args.length) {
        seconds = Integer.parseInt(args[++i]);
      } else {
        sizes.add(Integer.parseInt(args[i]));
      }
    }
    if (sizes.isEmpty()) sizes = List.of(10, 1_000, 10_000);
    for (int n : sizes) {
      System.out.println(run(n, seconds));
    }
  }

  // ---- the command mix ----

  /** Generates and applies the mix against its own state. Deterministic for a seed. */
  private static final class Mix {
    private final String[] names;
    private final Random random;
    private final int[] cumulative = new int[Kind.values().length];
    private DenebState state;
    private long now = 1_700_000_000_000L;
    private int renewCursor;
    private final List<String> inWorkflow = new ArrayList<>();
    private final Set<String> paused = new HashSet<>();

    Mix(int clusters, long seed) {
      random = new Random(seed);
      names = new String[clusters];
      TreeMap<String, ClusterRecord> records = new TreeMap<>();
      for (int i = 0; i < clusters; i++) {
        names[i] = String.format(Locale.ROOT, "c%05d", i);
        records.put(names[i], bootstrapped(names[i], i));
      }
      state = new DenebState(records);
      int sum = 0;
      for (Kind k : Kind.values()) {
        sum += k.perMille;
        cumulative[k.ordinal()] = sum;
      }
    }

    /** One cluster built by the real commands (create, 3 registers, bootstrap) on a one-cluster state. */
    private static ClusterRecord bootstrapped(String name, int i) {
      List<Command> setup = new ArrayList<>();
      setup.add(Command.newBuilder().setCreateCluster(CreateCluster.newBuilder().setCluster(name)).build());
      for (int n = 1; n <= 3; n++) {
        setup.add(register(name, "n" + n, i, n, PromotionRule.NEUTRAL));
      }
      setup.add(Command.newBuilder().setAtMillis(1_700_000_000_000L)
          .setBootstrapEpoch(BootstrapEpoch.newBuilder().setCluster(name).setPrimary("n1")).build());
      DenebState s = DenebState.EMPTY;
      for (Command c : setup) {
        Applied a = ClusterStateMachine.apply(s, c, TERM);
        if (!a.result().getAccepted()) throw new IllegalStateException("setup refused: " + a.result());
        s = a.state();
      }
      return s.cluster(name).orElseThrow();
    }

    private static Command register(String cluster, String node, int i, int n, PromotionRule rule) {
      String host = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
      return Command.newBuilder().setRegisterNode(RegisterNode.newBuilder()
          .setCluster(cluster).setNode(node).setHost(host).setPort(3305 + n).setPromotionRule(rule)).build();
    }

    void drive(long nanos, Stats stats) {
      long end = System.nanoTime() + nanos;
      while (System.nanoTime() < end) {
        Kind kind = pick();
        Command command = next(kind).toBuilder().setAtMillis(++now).build();
        long t0 = System.nanoTime();
        Applied applied = ClusterStateMachine.apply(state, command, TERM);
        long took = System.nanoTime() - t0;
        state = applied.state();
        if (stats != null) stats.record(kind, command, applied.result(), took);
      }
    }

    private Kind pick() {
      int r = random.nextInt(1000);
      for (Kind k : Kind.values()) {
        if (r < cumulative[k.ordinal()]) return k;
      }
      return Kind.RENEW;
    }

    private Command next(Kind kind) {
      return switch (kind) {
        case RENEW -> renewals();
        case NODE_CHURN -> nodeChurn();
        case PAUSE -> pauseOrResume();
        case WORKFLOW_STEP -> workflowStep();
      };
    }

    /** Every primary in turn renews at its current epoch, BATCH of them per entry. */
    private Command renewals() {
      RenewLeases.Builder b = RenewLeases.newBuilder();
      for (int i = 0; i < BATCH; i++) {
        ClusterRecord c = state.cluster(names[renewCursor]).orElseThrow();
        renewCursor = (renewCursor + 1) % names.length;
        b.addRenewals(LeaseRenewal.newBuilder().setCluster(c.getName()).setNode(c.getPrimary()).setEpoch(c.getEpoch()));
      }
      return Command.newBuilder().setRenewLeases(b).build();
    }

    /** A fourth node joins a random cluster as a must_not replica, or leaves it again. */
    private Command nodeChurn() {
      int i = random.nextInt(names.length);
      ClusterRecord c = state.cluster(names[i]).orElseThrow();
      if (Nodes.find(c, "n4").isPresent()) {
        return Command.newBuilder().setRemoveNode(RemoveNode.newBuilder().setCluster(c.getName()).setNode("n4")).build();
      }
      return register(c.getName(), "n4", i, 4, PromotionRule.MUST_NOT);
    }

    /** An operator pauses a steady cluster, or resumes a paused one. */
    private Command pauseOrResume() {
      String name = paused.size() >= MAX_PAUSED || (!paused.isEmpty() && random.nextBoolean()) ? null : steadyCluster();
      boolean pause = name != null;
      if (pause) {
        paused.add(name);
      } else if (!paused.isEmpty()) {
        name = paused.iterator().next();
        paused.remove(name);
      } else {
        return renewals(); // nothing to pause or resume (a tiny benchmark)
      }
      return Command.newBuilder().setSetPaused(SetPaused.newBuilder().setCluster(name).setPaused(pause)
          .setReason("bench")).build();
    }

    /** The next step of a switchover in flight, or a new switchover to a replica. */
    private Command workflowStep() {
      String steady = inWorkflow.size() >= MAX_WORKFLOWS || (!inWorkflow.isEmpty() && random.nextInt(4) != 0)
          ? null : steadyCluster();
      if (steady == null) {
        if (inWorkflow.isEmpty()) return renewals(); // every cluster is paused (a tiny benchmark)
        String name = inWorkflow.get(random.nextInt(inWorkflow.size()));
        WorkflowRecord w = state.cluster(name).orElseThrow().getWorkflow();
        ClusterRecord current = state.cluster(name).orElseThrow();
        for (var n : current.getNodesList()) {
          if (n.getNeedsCheck()) {
            // the orchestrator's GTID check of each node the new epoch left behind: admitted
            return Command.newBuilder().setSettleNode(dev.deneb.protocol.SettleNode.newBuilder().setCluster(name)
                .setNode(n.getNode()).setEpoch(current.getEpoch()).setDetail("bench").setTerm(TERM)).build();
          }
        }
        if (w.getStep() == WorkflowStep.REPOINTED) {
          inWorkflow.remove(name);
          return Command.newBuilder().setCompleteWorkflow(CompleteWorkflow.newBuilder()
              .setCluster(name).setTargetEpoch(w.getTargetEpoch()).setTerm(TERM)).build();
        }
        WorkflowStep step = WorkflowStep.forNumber(w.getStep().getNumber() + 1);
        return Command.newBuilder().setAdvanceWorkflow(AdvanceWorkflow.newBuilder()
            .setCluster(name).setTargetEpoch(w.getTargetEpoch()).setStep(step)
            .setCandidate(step == WorkflowStep.CANDIDATE_CHOSEN ? w.getTarget() : "")
            .setDetail("bench " + step).setTerm(TERM)).build();
      }
      String name = steady;
      ClusterRecord c = state.cluster(name).orElseThrow();
      int p = Integer.parseInt(c.getPrimary().substring(1));
      String target = "n" + (p % 3 + 1);
      inWorkflow.add(name);
      return Command.newBuilder().setBeginWorkflow(BeginWorkflow.newBuilder()
          .setCluster(name).setKind(WorkflowKind.SWITCHOVER).setExpectedEpoch(c.getEpoch()).setTarget(target)
          .setReason("bench switchover").setTerm(TERM)).build();
    }

    /** A random cluster that is neither paused nor in a workflow, or null when a few draws find none. */
    private String steadyCluster() {
      for (int tries = 0; tries < 64; tries++) {
        String name = names[random.nextInt(names.length)];
        if (!paused.contains(name) && !inWorkflow.contains(name)) return name;
      }
      return null;
    }
  }

  // ---- measurements ----

  private static final class Stats {
    long commands;
    long renewals;
    long renewalsAccepted;
    long refused;
    long workflowsCompleted;
    long applyNanos;
    final Samples all = new Samples();
    final Samples renew = new Samples();
    final Samples other = new Samples();

    void record(Kind kind, Command command, CommandResult result, long nanos) {
      commands++;
      applyNanos += nanos;
      all.add(nanos);
      if (kind == Kind.RENEW) {
        renew.add(nanos);
        renewals += result.getRenewalRefusalsCount();
        for (int i = 0; i < result.getRenewalRefusalsCount(); i++) {
          if (result.getRenewalRefusals(i) == Refusal.REFUSAL_UNSPECIFIED) renewalsAccepted++;
        }
      } else {
        other.add(nanos);
      }
      if (!result.getAccepted()) refused++;
      if (result.getAccepted() && command.hasCompleteWorkflow()) workflowsCompleted++;
    }
  }

  /** A growable array of nanosecond samples. */
  private static final class Samples {
    long[] values = new long[1 << 16];
    int size;

    void add(long v) {
      if (size == values.length) values = Arrays.copyOf(values, values.length * 2);
      values[size++] = v;
    }
  }

  private static long percentile(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double micros(long nanos) {
    return nanos / 1_000.0;
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
