package dev.deneb.jepsen.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deneb.jepsen.checker.AvailabilityStats;
import dev.deneb.jepsen.checker.Checkers;
import dev.deneb.jepsen.checker.LostWritesChecker;
import dev.deneb.jepsen.checker.Verdict;
import dev.deneb.jepsen.history.Durability;
import dev.deneb.jepsen.history.EpochChange;
import dev.deneb.jepsen.history.FaultInterval;
import dev.deneb.jepsen.history.FinalState;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.Op;
import dev.deneb.jepsen.history.OpPair;
import dev.deneb.jepsen.history.ProcessId;
import dev.deneb.jepsen.history.Quarantine;
import dev.deneb.jepsen.history.Recorder;
import dev.deneb.jepsen.history.WorkflowRun;
import dev.deneb.jepsen.nemesis.FaultInjector;
import dev.deneb.jepsen.nemesis.Nemesis;
import dev.deneb.jepsen.nemesis.Schedule;
import dev.deneb.jepsen.report.HtmlReport;
import dev.deneb.sandbox.ControllerApi;
import dev.deneb.sandbox.HaEnvironment;
import dev.deneb.sandbox.netns.NetnsAvailability;
import dev.deneb.sandbox.netns.NetworkLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One Jepsen-style run on real processes: starts an {@link HaEnvironment} with Toxiproxy (3
 * controllers, 3 MariaDB nodes, their agents), runs {@link ClientWorker}s through discovery, injects
 * the seeded {@link Schedule} of faults one at a time — heal and settle between them — then reads
 * the final state back and runs every checker. Writes {@code history.jsonl}, {@code report.html}
 * and {@code verdicts.json} into the run directory.
 *
 * <p>The run lasts at least {@link Options#time()} and at least one full round of the chosen
 * nemeses, so a short run still injects every one of them once.
 */
public final class JepsenRun {

  /**
   * @param time how long to keep injecting faults (a round in progress is finished first)
   * @param nemeses the faults to draw from
   * @param durability the cluster's mode
   * @param seed seeds the schedule: the same seed and nemeses give the same faults in the same order
   * @param dir the run directory (the environment goes under {@code env/})
   * @param minHold shortest time a fault is held before the heal
   * @param maxHold longest
   * @param clients concurrent client workers
   */
  public record Options(Duration time, Set<Nemesis> nemeses, Durability durability, long seed, Path dir, Duration minHold,
      Duration maxHold, int clients) {
    public Options {
      if (nemeses.isEmpty()) throw new IllegalArgumentException("a run needs at least one nemesis");
      if (clients < 1 || clients > 16) throw new IllegalArgumentException("clients must be 1-16, got " + clients);
      if (time.isNegative()) throw new IllegalArgumentException("time must be >= 0, got " + time);
    }

    /** Faults held 4–8 s (beyond the 3 s lease, so partitions lead to a failover), 3 clients. */
    public static Options of(Duration time, Set<Nemesis> nemeses, Durability durability, long seed, Path dir) {
      return new Options(time, nemeses, durability, seed, dir, Duration.ofSeconds(4), Duration.ofSeconds(8), 3);
    }
  }

  /**
   * What a run produced.
   *
   * @param summary the figures of the run: seed, faults injected (total and per nemesis),
   *     failovers, lost acknowledged writes, write-gap p50/p99, quarantined nodes, notes
   */
  public record Result(Path dir, History history, Observations observations, List<Verdict> verdicts,
      Map<String, Object> summary) {
    public boolean valid() {
      return Checkers.allValid(verdicts);
    }
  }

  /** How long the cluster may take to settle after a heal, and API and DNS to agree at the end. */
  public static final Duration SETTLE = Duration.ofSeconds(90);
  public static final Duration CONVERGENCE_BOUND = Duration.ofSeconds(120);
  /** How long re-cloning a quarantined node (a replay of the primary's whole binary log) may take. */
  static final Duration REPAIR_TIMEOUT = Duration.ofMinutes(5);

  private final Options options;
  private final Consumer<String> progress;
  private final List<String> notes = new ArrayList<>();

  public JepsenRun(Options options, Consumer<String> progress) {
    this.options = options;
    this.progress = progress;
  }

  public Result run() throws Exception {
    Files.createDirectories(options.dir());
    String mode = options.durability() == Durability.SEMI_SYNC ? "semi-sync" : "async";
    say("seed " + options.seed() + ", durability " + mode + ", nemeses "
        + options.nemeses().stream().sorted().map(Nemesis::label).toList() + ", at least " + options.time().toSeconds() + " s");
    boolean namespaces = options.nemeses().stream().anyMatch(Nemesis.NEED_NAMESPACES::contains);
    say("starting the environment (3 controllers" + (namespaces ? " each in its own network namespace" : "")
        + ", 3 MariaDB, agents, Toxiproxy) in " + options.dir().resolve("env"));
    try (NetworkLab lab = namespaces ? NetworkLab.create(3, namespaceTools()) : null;
        HaEnvironment env = HaEnvironment.start(options.dir().resolve("env"), environment(mode, lab))) {
      return runIn(env);
    }
  }

  private static HaEnvironment.Options environment(String mode, NetworkLab lab) {
    HaEnvironment.Options o = HaEnvironment.Options.defaults().withProxies().withFailsafePeers().withDurability(mode);
    return lab == null ? o : o.withControllersIn(lab);
  }

  /** The tools the namespace nemeses need, or a clear refusal naming them and how to leave them out. */
  private static NetnsAvailability.Available namespaceTools() {
    NetnsAvailability availability = NetnsAvailability.check();
    if (availability instanceof NetnsAvailability.Unavailable u) {
      throw new IllegalStateException("the nemeses " + Nemesis.NEED_NAMESPACES.stream().map(Nemesis::label).sorted().toList()
          + " cut links between controllers in network namespaces, which cannot be used here: " + u.reason()
          + "; run as root with ip and nft, or name the other nemeses with --nemesis");
    }
    return (NetnsAvailability.Available) availability;
  }

  private Result runIn(HaEnvironment env) throws Exception {
    ControllerFacts.Clock clock = ControllerFacts.Clock.sample();
    Recorder recorder = new Recorder(System::nanoTime);
    ClusterProbe probe = new ClusterProbe(env);
    FaultInjector injector = new FaultInjector(env);
    Schedule schedule = new Schedule(options.seed(), options.nemeses(), options.minHold().toMillis(), options.maxHold().toMillis());
    long start = System.nanoTime();
    AtomicInteger processNumbers = new AtomicInteger();
    List<ClientWorker> workers = new ArrayList<>();
    Map<Long, ControllerFacts.SeenWorkflow> seen = new ConcurrentHashMap<>();
    AtomicBoolean watching = new AtomicBoolean(true);
    Thread watch = new Thread(() -> watchWorkflows(probe, seen, watching), "jepsen-workflow-watch");
    watch.setDaemon(true);
    Map<String, Integer> injected = new TreeMap<>();
    Set<String> quarantined = new TreeSet<>();
    List<Quarantine> repaired = new ArrayList<>();
    try {
      for (int i = 0; i < options.clients(); i++) workers.add(new ClientWorker(env, recorder, processNumbers, i).start());
      watch.start();
      if (!await(SETTLE, () -> lastOk(workers) > start)) {
        throw new IllegalStateException("no client write was acknowledged within " + SETTLE.toSeconds()
            + " s of the start; see the agent and controller logs under " + env.dir());
      }
      long deadline = System.nanoTime() + options.time().toNanos();
      while (!schedule.firstRoundDone() || System.nanoTime() < deadline) {
        Schedule.Step step = schedule.next();
        List<String> usable = env.databases().nodes().stream().map(d -> d.id()).filter(n -> !quarantined.contains(n)).toList();
        Optional<ControllerApi.Primary> primary = probe.linearizablePrimary();
        if (primary.isEmpty() || (usable.size() < 2 && FaultInjector.NEED_A_REPLICA.contains(step.nemesis()))) {
          note("round " + step.round() + ": skipped " + step.nemesis().label() + (primary.isEmpty() ? ": no primary known"
              : ": only " + usable + " usable (the others are quarantined), so a node fault would leave no candidate"));
          continue;
        }
        String f = step.nemesis().label();
        String target;
        try {
          target = injector.target(step, primary.get().node(), usable);
        } catch (RuntimeException e) {
          note("round " + step.round() + ": skipped " + f + ": no target (" + e.getMessage() + ")");
          continue;
        }
        Op startOp = recorder.invoke(ProcessId.NEMESIS, "start-" + f, target, null, null);
        String outcome = "injected";
        try {
          injector.inject(step, target);
        } catch (RuntimeException e) {
          outcome = "failed: " + e.getMessage();
          note("round " + step.round() + ": " + f + " " + target + " could not be injected: " + e.getMessage());
        }
        recorder.nemesisDone(startOp, outcome);
        injected.merge(f, 1, Integer::sum);
        say(String.format(Locale.ROOT, "round %d: %s %s (primary %s, epoch %d), holding %.1f s", step.round(), f, target,
            primary.get().node(), primary.get().epoch(), step.holdMillis() / 1000.0));
        // The hold is the schedule itself, not a wait for a condition.
        LockSupport.parkNanos(Duration.ofMillis(step.holdMillis()).toNanos());
        Op stopOp = recorder.invoke(ProcessId.NEMESIS, "stop-" + f, target, null, null);
        List<String> healed;
        try {
          healed = injector.healAll();
        } catch (RuntimeException e) {
          healed = List.of("heal failed: " + e.getMessage());
          note("round " + step.round() + ": heal after " + f + " failed: " + e.getMessage());
        }
        recorder.nemesisDone(stopOp, String.join("; ", healed));
        long healedAt = System.nanoTime();
        say("heal " + f + (healed.isEmpty() ? "" : ": " + String.join(", ", healed)));
        if (!await(SETTLE, probe::settled)) {
          note("round " + step.round() + ": the cluster did not settle within " + SETTLE.toSeconds() + " s after healing " + f);
        }
        for (String q : probe.quarantined()) {
          if (!quarantined.contains(q)) repair(env, probe, q, step.round(), repaired, quarantined);
        }
        awaitReplicasCaughtUp(probe, step.round(), f, quarantined);
        if (!await(SETTLE, () -> lastOk(workers) > healedAt)) {
          note("round " + step.round() + ": no write acknowledged within " + SETTLE.toSeconds() + " s after healing " + f);
        }
        Optional<ControllerApi.Primary> after = probe.linearizablePrimary();
        say("settled: primary " + after.map(p -> p.node() + ", epoch " + p.epoch()).orElse("unknown")
            + (quarantined.isEmpty() ? "" : ", quarantined " + quarantined));
      }
    } finally {
      for (ClientWorker w : workers) w.close();
      watching.set(false);
      watch.join(5_000);
    }

    // Final read-back: API and DNS must name the newest epoch's primary; then its rows.
    say("clients stopped; waiting for API and DNS to agree on the final primary");
    String[] finalPrimary = {null};
    long[] finalEpoch = {0};
    String[] apiAnswer = {null};
    String[] dnsAnswer = {null};
    boolean converged = await(CONVERGENCE_BOUND, () -> {
      try {
        JsonNode h = probe.history().path("history");
        JsonNode last = h.get(h.size() - 1);
        finalPrimary[0] = last.path("primary").asText();
        finalEpoch[0] = last.path("epoch").asLong();
      } catch (Exception e) {
        return false;
      }
      apiAnswer[0] = probe.linearizablePrimary().map(ControllerApi.Primary::node).orElse(null);
      dnsAnswer[0] = probe.dnsAnswer();
      return finalPrimary[0].equals(apiAnswer[0]) && finalPrimary[0].equals(dnsAnswer[0]);
    });
    Long convergedAt = converged ? System.nanoTime() : null;
    Set<String> rows = finalPrimary[0] == null ? Set.of() : probe.rows(finalPrimary[0]);
    JsonNode historyJson = probe.history();
    JsonNode clusterJson = probe.cluster().orElseThrow(() -> new IllegalStateException(
        "GET /v1/clusters/orders did not answer after the run"));
    List<EpochChange> changes = ControllerFacts.epochChanges(historyJson, clock);
    List<WorkflowRun> workflows = ControllerFacts.workflows(changes, Map.copyOf(seen), clock);
    List<Quarantine> quarantines = new ArrayList<>(repaired);
    quarantines.addAll(ControllerFacts.quarantines(clusterJson, historyJson));
    Observations observations = new Observations(options.durability(), changes, workflows, quarantines,
        new FinalState(finalPrimary[0], finalEpoch[0], rows, dnsAnswer[0], apiAnswer[0], convergedAt));
    History history = recorder.history();
    List<Verdict> verdicts = Checkers.all(history, observations, CONVERGENCE_BOUND);
    Map<String, Object> summary = summary(history, observations, verdicts, injected);
    write(history, observations, verdicts, summary);
    return new Result(options.dir(), history, observations, verdicts, summary);
  }

  /**
   * Waits until every replica has executed what the primary had once the cluster settled. One fault
   * at a time is the schedule: without this wait the next fault lands on a primary whose replicas are
   * still reconnecting — after {@code partition-primary-replicas} a semi-sync primary has fallen back
   * to async (its commits are acknowledged without any replica, docs/durability.md), and killing it
   * before the replicas are back loses those writes by the servers' own rules, not Deneb's. (The
   * first 30-minute run did exactly that: a kill-mysqld 0.1 s after healing that partition, and the
   * old primary came back with 692 transactions no replica had.)
   */
  private void awaitReplicasCaughtUp(ClusterProbe probe, int round, String fault, Set<String> quarantined) {
    try {
      String primary = probe.linearizablePrimary().map(ControllerApi.Primary::node)
          .orElseThrow(() -> new IllegalStateException("no primary known"));
      var position = probe.executed(primary);
      if (!await(SETTLE, () -> probe.replicasHave(primary, position, quarantined))) {
        note("round " + round + ": the replicas did not apply " + primary + "'s " + position.format() + " within "
            + SETTLE.toSeconds() + " s after healing " + fault);
      }
    } catch (Exception e) {
      note("round " + round + ": could not wait for the replicas after healing " + fault + ": " + e.getMessage());
    }
  }

  /**
   * Records what the controller reported of quarantined node {@code node} (its extra GTIDs are part
   * of what the lost-writes checker accounts for), then repairs it as an operator would: re-cloned
   * from the primary, removed and registered again ({@link HaEnvironment#repairNode}). Without the
   * repair a long run loses its replicas one by one and stops injecting node faults. A node that
   * cannot be repaired stays quarantined and out of later node faults.
   */
  private void repair(HaEnvironment env, ClusterProbe probe, String node, int round, List<Quarantine> repaired,
      Set<String> quarantined) {
    try {
      List<Quarantine> facts = ControllerFacts.quarantines(probe.cluster().orElseThrow(
          () -> new IllegalStateException("no linearizable answer for the cluster")), probe.history())
          .stream().filter(q -> q.node().equals(node)).toList();
      String primary = probe.linearizablePrimary().map(ControllerApi.Primary::node)
          .orElseThrow(() -> new IllegalStateException("no primary known"));
      repaired.addAll(facts);
      say("round " + round + ": " + node + " was quarantined; re-cloning it from " + primary);
      Duration took = env.repairNode(node, primary, REPAIR_TIMEOUT);
      note(String.format(Locale.ROOT, "round %d: %s was quarantined (%s); re-cloned from %s and registered again in %.1f s",
          round, node, facts.stream().map(q -> "extra " + q.extraGtids()).findFirst().orElse("no GTIDs reported"),
          primary, took.toMillis() / 1000.0));
      if (!await(SETTLE, probe::settled)) {
        note("round " + round + ": the cluster did not settle within " + SETTLE.toSeconds() + " s after re-adding " + node);
      }
    } catch (Exception e) {
      quarantined.add(node);
      note("round " + round + ": " + node + " was quarantined and could not be repaired (" + e.getMessage()
          + "); it is left out of later node faults");
    }
  }

  private Map<String, Object> summary(History history, Observations observations, List<Verdict> verdicts,
      Map<String, Integer> injected) {
    Map<String, Object> s = new java.util.LinkedHashMap<>();
    s.put("seed", options.seed());
    s.put("durability", options.durability());
    s.put("nemeses", options.nemeses().stream().sorted().map(Nemesis::label).toList());
    s.put("faultsInjected", history.faults().size());
    s.put("faultsByKind", injected);
    s.put("failovers", observations.epochChanges().size() - 1);
    s.put("epochReasons", observations.epochChanges().stream().map(c -> c.epoch() + " " + c.primary() + ": "
        + c.reason().lines().findFirst().orElse("")).toList());
    s.put("writesOk", history.clientPairs("write").stream().filter(OpPair::isOk).count());
    for (Verdict v : verdicts) {
      if (v.property().equals(LostWritesChecker.PROPERTY)) s.put("lostAcknowledgedWrites", v.stats().get("missingAcknowledged"));
      if (v.property().equals(AvailabilityStats.PROPERTY)) {
        s.put("writeGapP50Millis", v.stats().get("gapP50Millis"));
        s.put("writeGapP99Millis", v.stats().get("gapP99Millis"));
        s.put("okShare", v.stats().get("okShare"));
        s.put("okShareDuringFault", v.stats().get("okShareDuringFault"));
      }
    }
    s.put("quarantined", observations.quarantines().stream().map(Quarantine::node).toList());
    s.put("valid", Checkers.allValid(verdicts));
    s.put("notes", List.copyOf(notes));
    return s;
  }

  private void write(History history, Observations observations, List<Verdict> verdicts, Map<String, Object> summary)
      throws java.io.IOException {
    history.write(options.dir().resolve("history.jsonl"));
    HtmlReport.write(options.dir().resolve("report.html"), history, observations, verdicts);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    json.writeValue(options.dir().resolve("verdicts.json").toFile(), Map.of("summary", summary, "verdicts", verdicts));
  }

  /**
   * Polls the cluster (linearizable reads only, so a lagging member never shows a finished workflow
   * as still in flight) and notes each workflow's begin and the request time of the last poll that
   * saw it in flight, which is never later than its real end.
   */
  private static void watchWorkflows(ClusterProbe probe, Map<Long, ControllerFacts.SeenWorkflow> seen, AtomicBoolean watching) {
    while (watching.get()) {
      long asked = System.nanoTime();
      probe.cluster().ifPresent(c -> {
        JsonNode w = c.path("workflow");
        if (w.isObject()) {
          long target = w.path("targetEpoch").asLong();
          seen.put(target, new ControllerFacts.SeenWorkflow(w.path("kind").asText(), target,
              w.path("begunAtMillis").asLong(), asked));
        }
      });
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
  }

  /** When the newest acknowledged write of any worker was recorded, or {@link Long#MIN_VALUE}. */
  private static long lastOk(List<ClientWorker> workers) {
    return workers.stream().mapToLong(ClientWorker::lastOkNanos).max().orElse(Long.MIN_VALUE);
  }

  /** Polls {@code condition} every 100 ms until it holds or {@code timeout} passes; false then. */
  private static boolean await(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (condition.getAsBoolean()) return true;
      } catch (RuntimeException e) {
        // A probe failing during a fault is "not yet".
      }
      if (System.nanoTime() - deadline > 0) return false;
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
  }

  private void note(String text) {
    synchronized (notes) {
      notes.add(text);
    }
    say("NOTE " + text);
  }

  private void say(String line) {
    progress.accept(line);
  }

  /** Fault intervals of a history by kind, for callers that check coverage. */
  public static Map<String, Long> faultsByKind(History history) {
    Map<String, Long> byKind = new TreeMap<>();
    for (FaultInterval f : history.faults()) byKind.merge(f.fault(), 1L, Long::sum);
    return byKind;
  }
}
