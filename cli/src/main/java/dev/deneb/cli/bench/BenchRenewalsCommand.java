package dev.deneb.cli.bench;

import dev.deneb.agent.report.ReportSchedule;
import dev.deneb.cli.CliException;
import dev.deneb.protocol.AgentGatewayGrpc;
import dev.deneb.protocol.AgentMessage;
import dev.deneb.protocol.ControllerMessage;
import dev.deneb.protocol.HealthReport;
import dev.deneb.protocol.Hello;
import dev.deneb.protocol.LeaseGrant;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.RenewLease;
import dev.deneb.sandbox.ControllerGroupOptions;
import dev.deneb.sandbox.ControllerGroupSandbox;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code deneb bench renewals}: whole clusters at fleet scale against a fresh 3-member controller
 * group on loopback. Each of N clusters has 3 nodes (db1 primary, db2, db3) and 3 simulated agents;
 * every agent keeps one AgentGateway stream to every member (3N agents, 9N streams, multiplexed over a
 * few HTTP/2 connections per member). The primary's agent sends a lease renewal round to all members
 * every interval and holds the lease once a majority of distinct members granted the round (quorum
 * leases, DESIGN §3.9); every agent sends health reports as the real {@link ReportSchedule} decides
 * over a static healthy probe, so only heartbeats go out.
 *
 * <p>Measured after a warm-up: rounds and grants per second, the lease round trip (send to the
 * majority's grant) p50/p99/max against the TTL, refusals, rounds that never reached a majority within
 * the TTL, Raft log entries per second (the log should carry none for renewals), reports per second,
 * and the CPU of each controller process and of this client. Client and controllers share the
 * machine's cores: compare runs on the same machine, not absolutes.
 */
@Command(name = "renewals", mixinStandardHelpOptions = true,
    description = "Whole clusters at fleet scale (3 agents each, streams to every member): quorum-lease round trip "
        + "p50/p99, grants/s, refusals, log entries/s, reports/s, CPU per controller.")
final class BenchRenewalsCommand implements Callable<Integer> {
  static final long TTL_MILLIS = 3000;
  static final int MEMBERS = 3;
  static final int MAJORITY = MEMBERS / 2 + 1;
  static final int MAX_CLUSTERS = 30_000;
  private static final String[] NODES = {"db1", "db2", "db3"};
  private static final int[] PORTS = {3306, 3307, 3308};
  private static final String HOST = "127.0.0.1";
  /** Start offsets of agents are spread over the interval in steps of this. */
  private static final int SLOT_MS = 10;
  private static final int CREATE_WORKERS = 32;
  /** Streams opened but not yet welcomed, at most: opening 90,000 at once would only queue on the members. */
  private static final int OPENING_AHEAD = 3_000;
  /** Agents start in this many waves, a second apart (see Fleet.rampUp). */
  static final int RAMP_WAVES = 30;
  private static final long PROGRESS_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final long STALL_TICK_MS = 10;
  private static final long MAX_WARMUP_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final long SETTLED_P99_NANOS = TimeUnit.MILLISECONDS.toNanos(TTL_MILLIS / 4);
  private static final Duration WELCOME_TIMEOUT = Duration.ofSeconds(60);
  /** Clock ticks per second of /proc/<pid>/stat utime and stime (USER_HZ, 100 on Linux). */
  private static final double CLOCK_TICKS = 100.0;

  @Option(names = "--clusters", defaultValue = "1000", paramLabel = "N",
      description = "Simulated clusters, 3 nodes and 3 agents each, 1-" + MAX_CLUSTERS + " (default ${DEFAULT-VALUE}).")
  int clusters;

  /** The option's name before whole clusters were simulated; kept so old scripts still run. */
  @Option(names = "--primaries", hidden = true, paramLabel = "N", description = "Deprecated: use --clusters.")
  Integer primaries;

  @Option(names = "--seconds", defaultValue = "30", paramLabel = "N",
      description = "Measured seconds, after a warm-up of at least 5 s and two report heartbeats, longer (up to 60 s) "
          + "until 9 rounds in 10 reach their majority with a round trip p99 under a quarter of the TTL (default ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--interval-ms", defaultValue = "1000", paramLabel = "MS",
      description = "Lease renewal interval of each primary's agent, as the agent's lease.renewInterval (default "
          + "${DEFAULT-VALUE}, the agent's default); a round short of a majority after a quarter of it is retried while "
          + "the lease holds, as the agent does.")
  int intervalMs;

  @Option(names = "--heartbeat-ms", defaultValue = "5000", paramLabel = "MS",
      description = "Report heartbeat: how often a steady, healthy agent reports (default ${DEFAULT-VALUE}).")
  int heartbeatMs;

  @Option(names = {"--report-interval-ms", "--report-interval"}, defaultValue = "500", paramLabel = "MS",
      description = "How often each agent probes its (static, healthy) database and asks the report schedule (default ${DEFAULT-VALUE}).")
  int reportIntervalMs;

  @Option(names = "--channels-per-member", defaultValue = "0", paramLabel = "N",
      description = "gRPC channels (TCP connections) per member that the agent streams share (default: one per "
          + "500 agents, at least 4, at most 64). Real agents have a connection each; thousands of streams on one "
          + "connection measure the client's HTTP/2 multiplexing more than the members.")
  int channelsPerMember;

  @Option(names = "--controller-jvm-arg", paramLabel = "ARG",
      description = "An extra JVM argument for each controller, after the sandbox's defaults (-Xmx256m ...); "
          + "repeatable, e.g. --controller-jvm-arg=-Xmx1g for the largest fleets (default: none).")
  List<String> controllerJvmArgs = new ArrayList<>();

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Where the group's configs, data and logs go (default: a new temporary directory, kept for its logs).")
  Path dir;

  // --verbose is inherited from BenchCommand.
  @Spec CommandSpec spec;

  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    if (primaries != null) {
      if (spec.commandLine().getParseResult().hasMatchedOption("--clusters")) {
        throw new CliException("--primaries is the old name of --clusters; give only --clusters");
      }
      clusters = primaries;
    }
    validate();
    out = spec.commandLine().getOut();
    if (primaries != null) say("(--primaries is deprecated: it now means --clusters, whole clusters of 3 agents)");
    Path home = dir != null ? Files.createDirectories(dir.toAbsolutePath()) : Files.createTempDirectory("deneb-bench-renewals-");
    say("starting a 3-member controller group in " + home + " ...");
    Report report;
    ControllerGroupOptions options = ControllerGroupOptions.defaults();
    for (String arg : controllerJvmArgs) options = options.withJvmArg(arg);
    try (ControllerGroupSandbox group = ControllerGroupSandbox.start(MEMBERS, home, options)) {
      String leader;
      try {
        leader = group.awaitLeader();
      } catch (IllegalStateException e) {
        throw new CliException("the controller group did not elect a leader: " + e.getMessage());
      }
      say("controllers " + String.join(", ", group.memberIds().stream()
          .map(id -> id + " (pid " + group.pid(id) + (id.equals(leader) ? ", leader" : "") + ")").toList()));
      createClusters(group.endpoints());
      try (Fleet fleet = new Fleet(group, this)) {
        fleet.connect();
        report = fleet.run(leader);
      }
    }
    say("");
    out.print(report.render());
    say(logSummary(home));
    say("(client and controllers share this machine's " + Runtime.getRuntime().availableProcessors()
        + " CPUs: compare runs on one machine, not absolutes)");
    return 0;
  }

  void validate() {
    if (clusters < 1 || clusters > MAX_CLUSTERS) {
      throw new CliException("--clusters must be 1-" + MAX_CLUSTERS + ", not " + clusters);
    }
    if (seconds < 3 || seconds > 3600) throw new CliException("--seconds must be 3-3600, not " + seconds);
    if (intervalMs < 50 || intervalMs > TTL_MILLIS) {
      throw new CliException("--interval-ms must be 50-" + TTL_MILLIS + " (the lease TTL), not " + intervalMs);
    }
    if (reportIntervalMs < 50 || reportIntervalMs > 10_000) {
      throw new CliException("--report-interval-ms must be 50-10000, not " + reportIntervalMs);
    }
    if (heartbeatMs < reportIntervalMs || heartbeatMs > 60_000) {
      throw new CliException("--heartbeat-ms must be between --report-interval-ms (" + reportIntervalMs + ") and 60000, not "
          + heartbeatMs);
    }
    if (channelsPerMember < 0 || channelsPerMember > 64) {
      throw new CliException("--channels-per-member must be 1-64 (0: one per 500 agents), not " + channelsPerMember);
    }
    if (channelsPerMember == 0) {
      channelsPerMember = (int) Math.min(64, Math.max(4, (clusters * 3L + 499) / 500));
    }
  }

  /**
   * Warm-up: JIT, the first report of every agent, two report heartbeats so reports reach their steady
   * rate, and a millisecond per cluster for the burst that opening the streams leaves behind.
   */
  long warmupMillis() {
    return Math.max(Math.max(5_000, 2L * heartbeatMs + reportIntervalMs), clusters);
  }

  static String clusterName(int i) {
    return "b" + i;
  }

  // ---- setup: N clusters of 3 nodes, bootstrapped, over the HTTP API ----------------------------

  /**
   * Creates the clusters through every member (each commits a few writes at a time; followers forward
   * theirs to the leader), {@link #CREATE_WORKERS} requests at a time in all.
   */
  private void createClusters(List<URI> endpoints) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicReference<String> failure = new AtomicReference<>();
    int workers = Math.min(CREATE_WORKERS, clusters);
    ExecutorService pool = Executors.newFixedThreadPool(workers, daemon("bench-create"));
    long start = System.nanoTime();
    say(String.format("creating %,d clusters (3 nodes each, bootstrapped with db1 primary), %d requests at a time "
        + "through the %d members ...", clusters, workers, endpoints.size()));
    try {
      for (int w = 0; w < workers; w++) {
        URI api = endpoints.get(w % endpoints.size());
        pool.execute(() -> {
          for (int i = next.getAndIncrement(); i < clusters && failure.get() == null; i = next.getAndIncrement()) {
            try {
              createCluster(http, api, clusterName(i));
              done.incrementAndGet();
            } catch (IOException | RuntimeException e) {
              failure.compareAndSet(null, e.getMessage());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        });
      }
      pool.shutdown();
      long lastSaid = System.nanoTime();
      while (!pool.awaitTermination(200, TimeUnit.MILLISECONDS)) {
        if (System.nanoTime() - lastSaid >= PROGRESS_NANOS) {
          lastSaid = System.nanoTime();
          say(String.format("  created %,d / %,d clusters (%,.0f/s)", done.get(), clusters,
              done.get() / ((lastSaid - start) / 1e9)));
        }
      }
    } finally {
      pool.shutdownNow();
    }
    if (failure.get() != null) throw new CliException("setup failed creating clusters: " + failure.get());
    say(String.format("created %,d / %,d clusters in %.1f s", done.get(), clusters, (System.nanoTime() - start) / 1e9));
  }

  private static void createCluster(HttpClient http, URI api, String c) throws IOException, InterruptedException {
    post(http, api, "/v1/clusters", "{\"name\":\"" + c + "\",\"leaseTtlMs\":" + TTL_MILLIS + "}");
    for (int n = 0; n < NODES.length; n++) {
      post(http, api, "/v1/clusters/" + c + "/nodes",
          "{\"node\":\"" + NODES[n] + "\",\"host\":\"" + HOST + "\",\"port\":" + PORTS[n] + "}");
    }
    post(http, api, "/v1/clusters/" + c + "/bootstrap", "{\"primary\":\"" + NODES[0] + "\"}");
  }

  /**
   * POST with a few retries on no answer or a 5xx (a busy or re-electing group); a 409 after a retry
   * means the earlier try was applied after all.
   */
  private static void post(HttpClient http, URI api, String path, String body) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    String last = "";
    for (int attempt = 1; attempt <= 5; attempt++) {
      try {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        int status = r.statusCode();
        if (status / 100 == 2 || (status == 409 && attempt > 1)) return;
        last = "HTTP " + status + " " + r.body().strip();
        if (status / 100 != 5) break;
      } catch (IOException e) {
        last = e.toString();
      }
      TimeUnit.MILLISECONDS.sleep(200L * attempt); // back off before retrying a busy group
    }
    throw new IOException("POST " + path + ": " + last);
  }

  // ---- the simulated fleet -----------------------------------------------------------------------

  /** 3N agents with one stream to every member each, driven by a few scheduler threads. */
  static final class Fleet implements AutoCloseable, Rounds.Timings {
    private final ControllerGroupSandbox group;
    private final BenchRenewalsCommand cmd;
    private final List<String> memberIds;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<io.grpc.netty.shaded.io.netty.channel.EventLoopGroup> eventLoops = new ArrayList<>();
    private final AgentGatewayGrpc.AgentGatewayStub[][] stubs;
    private final Agent[] agents;
    private final ScheduledExecutorService[] partitions;
    private final HealthReport primaryProbe;
    private final HealthReport replicaProbe;
    private final int ringSize;
    /** The agents' lease settings: the renew interval and its retry pause, as LeaseKeeper derives them. */
    private final dev.deneb.agent.lease.LeaseSettings lease;

    // Totals since the start; the measured window takes their differences.
    final LongAdder roundsSent = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder renewSkipped = new LongAdder();
    final LongAdder grants = new LongAdder();
    final LongAdder refusals = new LongAdder();
    final AtomicLongArray refusalsByReason = new AtomicLongArray(32);
    final AtomicReference<String> firstRefusal = new AtomicReference<>();
    final LongAdder unknownRoundGrants = new LongAdder();
    final LongAdder reports = new LongAdder();
    final LongAdder reportMessages = new LongAdder();
    final LongAdder reportSkipped = new LongAdder();
    final LongAdder reportRequests = new LongAdder();
    final LongAdder directives = new LongAdder();
    final LongAdder streamFailures = new LongAdder();
    final AtomicReference<String> firstStreamFailure = new AtomicReference<>();
    final AtomicInteger welcomed = new AtomicInteger();
    final AtomicReference<String> taskFailure = new AtomicReference<>();
    // Rounds sent inside the measured window.
    final LatencyHistogram roundTrip = new LatencyHistogram();
    final LatencyHistogram[] memberGrants;
    /** Every round's majority since the last progress line, measured or not. */
    volatile LatencyHistogram recent = new LatencyHistogram();
    /** How late this JVM wakes from a short sleep, in the window: a starved host or a GC pause shows here. */
    final LatencyHistogram clientStalls = new LatencyHistogram();
    private final Thread stallWatch;
    final LongAdder windowRounds = new LongAdder();
    final LongAdder windowMajorities = new LongAdder();
    final LongAdder windowLate = new LongAdder();
    volatile boolean windowOpen;
    volatile boolean closing;

    Fleet(ControllerGroupSandbox group, BenchRenewalsCommand cmd) {
      this.group = group;
      this.cmd = cmd;
      this.memberIds = group.memberIds();
      this.stubs = new AgentGatewayGrpc.AgentGatewayStub[memberIds.size()][cmd.channelsPerMember];
      for (int m = 0; m < memberIds.size(); m++) {
        // Each member's connections get event loops of their own: real agents are separate processes,
        // so a slow member can never hold up their traffic to the others. On shared loops, a member
        // behind on reading kept the client's loops busy redistributing HTTP/2 window over its
        // thousands of blocked streams, and grants from the other members waited behind that.
        var loops = new io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup(1, daemon("bench-net-" + memberIds.get(m)));
        eventLoops.add(loops);
        for (int k = 0; k < cmd.channelsPerMember; k++) {
          // Plaintext, callbacks on the transport's event loop (they only count and mark a round).
          ManagedChannel channel = NettyChannelBuilder.forTarget(group.member(memberIds.get(m)).agentAddress())
              .eventLoopGroup(loops).channelType(io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel.class)
              .usePlaintext().directExecutor()
              // Streams are never retried here, so nothing needs the retry buffer of every message sent.
              .disableRetry().build();
          channels.add(channel);
          stubs[m][k] = AgentGatewayGrpc.newStub(channel);
        }
      }
      this.lease = new dev.deneb.agent.lease.LeaseSettings(Duration.ofMillis(TTL_MILLIS), dev.deneb.agent.lease.LeaseSettings.DEFAULTS.drift(),
          dev.deneb.agent.lease.LeaseSettings.DEFAULTS.fenceLead(), Duration.ofMillis(cmd.intervalMs));
      // Retries can send a round every retry pause: the ring spans the TTL at that rate.
      this.ringSize = Rounds.sizeFor(TTL_MILLIS, Math.max(1, lease.retryNanos() / 1_000_000));
      this.memberGrants = new LatencyHistogram[memberIds.size()];
      for (int m = 0; m < memberGrants.length; m++) memberGrants[m] = new LatencyHistogram();
      this.primaryProbe = HealthReport.newBuilder().setMysqldUp(true).setReadOnly(false).setLagSeconds(-1)
          .setDiskFreeBytes(100L << 30).build();
      this.replicaProbe = HealthReport.newBuilder().setMysqldUp(true).setReadOnly(true).setIoRunning(true).setSqlRunning(true)
          .setLagSeconds(0).setSource(HOST + ":" + PORTS[0]).setDiskFreeBytes(100L << 30).build();
      int threads = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
      this.partitions = new ScheduledExecutorService[threads];
      for (int p = 0; p < threads; p++) {
        partitions[p] = Executors.newSingleThreadScheduledExecutor(daemon("bench-agents-" + p));
      }
      this.stallWatch = daemon("bench-stall-watch").newThread(this::watchStalls);
      this.agents = new Agent[cmd.clusters * NODES.length];
      Duration interval = Duration.ofMillis(cmd.reportIntervalMs);
      Duration heartbeat = Duration.ofMillis(cmd.heartbeatMs);
      for (int c = 0; c < cmd.clusters; c++) {
        for (int n = 0; n < NODES.length; n++) {
          int i = c * NODES.length + n;
          agents[i] = new Agent(clusterName(c), NODES[n], n == 0, i % threads,
              new ReportSchedule(interval, heartbeat));
        }
      }
    }

    /** Opens every agent's stream to every member (hello first) and waits until all are welcomed. */
    void connect() throws InterruptedException {
      int total = agents.length * memberIds.size();
      cmd.say(String.format("opening %,d agent streams (%,d agents x %d members) over %d channels per member ...",
          total, agents.length, memberIds.size(), cmd.channelsPerMember));
      long start = System.nanoTime();
      long lastSaid = start;
      int opened = 0;
      for (int i = 0; i < agents.length; i++) {
        for (int m = 0; m < memberIds.size(); m++) {
          if (opened - welcomed.get() >= OPENING_AHEAD) {
            awaitWelcomes(opened - OPENING_AHEAD / 2, opened);
          }
          if (System.nanoTime() - lastSaid >= PROGRESS_NANOS) {
            lastSaid = System.nanoTime();
            cmd.say(String.format("  opened %,d / %,d streams, %,d welcomed", opened, total, welcomed.get()));
          }
          agents[i].links[m].open(stubs[m][i % cmd.channelsPerMember]);
          opened++;
        }
      }
      awaitWelcomes(total, total);
      cmd.say(String.format("%,d streams open and welcomed in %.1f s", total, (System.nanoTime() - start) / 1e9));
    }

    /** Waits until {@code target} streams are welcomed; fails if welcomes stop coming for {@link #WELCOME_TIMEOUT}. */
    private void awaitWelcomes(int target, int opened) {
      int seen = welcomed.get();
      long lastChange = System.nanoTime();
      while (welcomed.get() < target) {
        checkStreams();
        int now = welcomed.get();
        if (now != seen) {
          seen = now;
          lastChange = System.nanoTime();
        } else if (System.nanoTime() - lastChange > WELCOME_TIMEOUT.toNanos()) {
          throw new CliException("setup failed: no welcome for " + WELCOME_TIMEOUT.toSeconds() + " s; " + now + " of "
              + opened + " opened agent streams were welcomed");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
    }

    private void checkStreams() {
      if (streamFailures.sum() > 0) {
        throw new CliException("setup failed: " + streamFailures.sum() + " agent streams ended, first: " + firstStreamFailure.get());
      }
    }

    /** Starts the agents' schedules, warms up, measures, and returns what was measured. */
    Report run(String leaderAtStart) throws InterruptedException, IOException {
      start();
      rampUp();
      long warmup = cmd.warmupMillis();
      cmd.say(String.format("%,d agents running: %,d primaries renew every %d ms; every agent probes every %d ms and reports "
          + "on the heartbeat of %d ms; warm-up %.0f s or until the round trip settles, then %d s measured", agents.length,
          cmd.clusters, cmd.intervalMs, cmd.reportIntervalMs, cmd.heartbeatMs, warmup / 1e3, cmd.seconds));
      warmUp(TimeUnit.MILLISECONDS.toNanos(warmup));

      String leader = agreedLeader(leaderAtStart);
      // The scrape first: it can take seconds on a busy member, and CPU is counted over exactly the window.
      Map<String, String> metricsBefore = scrapeAll();
      Map<String, Long> cpuBefore = cpuTicks();
      long clientCpuBefore = clientCpuNanos();
      Totals before = totals();
      long t0 = System.nanoTime();
      windowOpen = true;
      progress("measuring", t0, TimeUnit.SECONDS.toNanos(cmd.seconds), cmd.seconds);
      windowOpen = false;
      long t1 = System.nanoTime();
      Totals after = totals();
      long clientCpuAfter = clientCpuNanos();
      Map<String, Long> cpuAfter = cpuTicks();
      Map<String, String> metricsAfter = scrapeAll();
      String leaderAtEnd = group.leaderId().orElse(null);

      // Rounds sent just before the window closed may still reach their majority: wait for them, at most a TTL.
      long drainUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TTL_MILLIS + 100);
      while (windowMajorities.sum() < windowRounds.sum() && System.nanoTime() - drainUntil < 0) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      stopSchedules();
      long withoutMajority = 0;
      for (Agent a : agents) {
        if (a.rounds != null) withoutMajority += a.rounds.windowRoundsWithoutMajority();
      }
      double elapsed = (t1 - t0) / 1e9;
      List<MemberRow> members = new ArrayList<>();
      for (int m = 0; m < memberIds.size(); m++) {
        String id = memberIds.get(m);
        String b = metricsBefore.get(id);
        String a = metricsAfter.get(id);
        members.add(new MemberRow(id, id.equals(leader),
            (cpuAfter.get(id) - cpuBefore.get(id)) / CLOCK_TICKS / elapsed * 100,
            delta(b, a, "deneb_lease_grants_total", "result=\"granted\"") / elapsed,
            delta(b, a, "deneb_lease_grants_total", "result=\"refused\""),
            delta(b, a, "deneb_lease_grants_dropped_total", null),
            (long) metric(a, "deneb_agents_connected", null), memberGrants[m].snapshot(), !b.isEmpty() && !a.isEmpty()));
      }
      // A scrape that failed (a member too busy to answer in 10 s) gives no figure, not a difference from 0.
      double entries = metricsBefore.get(leader).isEmpty() || metricsAfter.get(leader).isEmpty() ? Double.NaN
          : delta(metricsBefore.get(leader), metricsAfter.get(leader), "deneb_raft_applied_index", null);
      return new Report(cmd.clusters, agents.length, agents.length * memberIds.size(), cmd.intervalMs, cmd.heartbeatMs,
          elapsed, after.minus(before), roundTrip.snapshot(), windowRounds.sum(), withoutMajority, windowLate.sum(),
          entries / elapsed, (clientCpuAfter - clientCpuBefore) / 1e9 / elapsed * 100, members, leader, leaderAtEnd,
          maxTerm(metricsBefore), maxTerm(metricsAfter), directives.sum(), clientStalls.snapshot(), refusalSummary(), refusedClusters(),
          firstStreamFailure.get(), taskFailure.get());
    }

    @Override
    public void memberGrant(int member, long nanos, boolean window) {
      if (window) memberGrants[member].record(nanos);
    }

    @Override
    public void majority(long nanos, boolean window) {
      recent.record(nanos);
      if (!window) return;
      roundTrip.record(nanos);
      windowMajorities.increment();
      if (nanos > TimeUnit.MILLISECONDS.toNanos(TTL_MILLIS)) windowLate.increment();
    }

    /** Sleeps {@code STALL_TICK_MS} at a time and notes how much later than asked it woke, while measuring. */
    private void watchStalls() {
      long tick = TimeUnit.MILLISECONDS.toNanos(STALL_TICK_MS);
      while (!closing) {
        long before = System.nanoTime();
        LockSupport.parkNanos(tick);
        long late = System.nanoTime() - before - tick;
        if (windowOpen) clientStalls.record(Math.max(0, late));
      }
    }

    /** The leader a majority agrees on now; the one seen at start-up if none is agreed within seconds. */
    private String agreedLeader(String fallback) {
      try {
        return group.awaitLeader(Duration.ofSeconds(10));
      } catch (IllegalStateException e) {
        return fallback;
      }
    }

    private static long maxTerm(Map<String, String> metrics) {
      long term = 0;
      for (String text : metrics.values()) term = Math.max(term, (long) metric(text, "deneb_raft_term", null));
      return term;
    }

    /**
     * Agents begin in {@link #RAMP_WAVES} waves a second apart, as a fleet's agents never all start in
     * one second: started at once, 30,000 agents met members (and this client) still compiling their
     * hot paths, and the 2-core box spent its first ten seconds in the JIT with a growing backlog.
     */
    private void rampUp() throws InterruptedException {
      long start = System.nanoTime();
      for (int w = 1; w <= RAMP_WAVES; w++) {
        int upTo = (int) ((long) agents.length * w / RAMP_WAVES);
        for (int i = (int) ((long) agents.length * (w - 1) / RAMP_WAVES); i < upTo; i++) agents[i].running = true;
        if (w < RAMP_WAVES) {
          LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
          if (w % 5 == 0) {
            cmd.say(String.format("  ramp-up: %,d / %,d agents running (%.0f s), grants/s so far %,d", upTo, agents.length,
                (System.nanoTime() - start) / 1e9, grants.sum()));
          }
        }
      }
    }

    /** Each partition thread drives its agents in slots of {@link #SLOT_MS}: a random start offset each. */
    private void start() {
      stallWatch.start();
      int threads = partitions.length;
      int renewSlots = Math.max(1, cmd.intervalMs / SLOT_MS);
      int probeSlots = Math.max(1, cmd.reportIntervalMs / SLOT_MS);
      List<List<List<Agent>>> renew = buckets(threads, renewSlots);
      List<List<List<Agent>>> probe = buckets(threads, probeSlots);
      SplittableRandom random = new SplittableRandom();
      for (Agent a : agents) {
        if (a.rounds != null) renew.get(a.partition).get(random.nextInt(renewSlots)).add(a);
        probe.get(a.partition).get(random.nextInt(probeSlots)).add(a);
      }
      long retryMs = Math.max(1, lease.retryNanos() / 1_000_000);
      for (int p = 0; p < threads; p++) {
        int partition = p;
        Agent[] mine = java.util.Arrays.stream(agents).filter(a -> a.rounds != null && a.partition == partition)
            .toArray(Agent[]::new);
        partitions[p].scheduleAtFixedRate(guarded(() -> {
          long now = System.nanoTime();
          for (Agent a : mine) {
            if (a.rounds.wantsRetry(now, lease.retryNanos(), lease.validNanos())) {
              retries.increment();
              a.renew(now, true);
            }
          }
        }), retryMs, Math.max(SLOT_MS, retryMs / 5), TimeUnit.MILLISECONDS);
        for (int s = 0; s < renewSlots; s++) {
          Agent[] bucket = renew.get(p).get(s).toArray(Agent[]::new);
          if (bucket.length > 0) {
            partitions[p].scheduleAtFixedRate(guarded(() -> {
              for (Agent a : bucket) a.renew(System.nanoTime());
            }), (long) s * SLOT_MS, cmd.intervalMs, TimeUnit.MILLISECONDS);
          }
        }
        for (int s = 0; s < probeSlots; s++) {
          Agent[] bucket = probe.get(p).get(s).toArray(Agent[]::new);
          if (bucket.length > 0) {
            partitions[p].scheduleAtFixedRate(guarded(() -> {
              for (Agent a : bucket) a.probe(System.nanoTime());
            }), (long) s * SLOT_MS, cmd.reportIntervalMs, TimeUnit.MILLISECONDS);
          }
        }
      }
    }

    private static List<List<List<Agent>>> buckets(int threads, int slots) {
      List<List<List<Agent>>> b = new ArrayList<>();
      for (int p = 0; p < threads; p++) {
        List<List<Agent>> perSlot = new ArrayList<>();
        for (int s = 0; s < slots; s++) perSlot.add(new ArrayList<>());
        b.add(perSlot);
      }
      return b;
    }

    /** A periodic task that throws is cancelled silently: note the first failure instead. */
    private Runnable guarded(Runnable task) {
      return () -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          taskFailure.compareAndSet(null, e.toString());
        }
      };
    }

    /**
     * The warm-up: at least {@link BenchRenewalsCommand#warmupMillis()}, then on until a stretch is
     * settled — nine rounds in ten reached their majority in it, with a round trip p99 under a quarter of
     * the TTL (opening every stream at once leaves a backlog on a busy machine) — at most
     * {@link #MAX_WARMUP_NANOS} in all: a group that cannot settle is measured as it is.
     */
    private void warmUp(long minNanos) throws InterruptedException {
      long start = System.nanoTime();
      boolean settled = progress("warm-up", start, minNanos, 0);
      long max = Math.max(MAX_WARMUP_NANOS, minNanos);
      while (!settled && System.nanoTime() - start < max) {
        settled = progress("warm-up, settling", start, PROGRESS_NANOS, 0);
      }
      if (!settled) {
        cmd.say("  (the lease round trip did not settle within the warm-up: measuring anyway)");
      }
    }

    /**
     * Sleeps {@code nanos}, printing rates every few seconds and at the end; returns whether its last
     * stretch was settled (see {@link #warmUp}).
     */
    private boolean progress(String phase, long phaseStart, long nanos, long shownTotal) throws InterruptedException {
      long end = System.nanoTime() + nanos;
      Totals last = totals();
      long lastAt = System.nanoTime();
      recent = new LatencyHistogram();
      boolean settled = false;
      while (System.nanoTime() - end < 0) {
        TimeUnit.NANOSECONDS.sleep(Math.min(PROGRESS_NANOS, end - System.nanoTime())); // a timed phase of the benchmark
        long now = System.nanoTime();
        Totals t = totals();
        Totals d = t.minus(last);
        double s = Math.max(1e-3, (now - lastAt) / 1e9);
        LatencyHistogram.Snapshot r = recent.snapshot();
        recent = new LatencyHistogram();
        long p99 = r.percentile(0.99);
        settled = r.count() >= 0.9 * d.rounds() && p99 <= SETTLED_P99_NANOS;
        String rt = r.count() == 0 ? ", no round reached a majority" : String.format(", majorities/s %,.0f", r.count() / s)
            + ", round trip p50 " + millis(r.percentile(0.50)) + " p99 " + millis(p99)
            + " max " + millis(r.maxNanos());
        String at = String.format("%.0f", (now - phaseStart) / 1e9) + (shownTotal > 0 ? "/" + shownTotal : "");
        cmd.say(String.format("  [%s %s s] rounds/s %,.0f, grants/s %,.0f, refusals %,d, reports/s %,.0f, "
                + "sends skipped (not ready) %,d, streams ended %,d%s", phase, at, d.rounds() / s, d.grants() / s, d.refusals(),
            d.reports() / s, d.skipped(), t.streamFailures(), rt));
        last = t;
        lastAt = now;
      }
      return settled;
    }

    Totals totals() {
      return new Totals(roundsSent.sum(), grants.sum(), refusals.sum(), unknownRoundGrants.sum(), reports.sum(),
          reportMessages.sum(), renewSkipped.sum() + reportSkipped.sum(), reportRequests.sum(), directives.sum(),
          streamFailures.sum(), retries.sum(), reconnects.sum());
    }

    private String refusalSummary() {
      StringBuilder s = new StringBuilder();
      for (int r = 0; r < refusalsByReason.length(); r++) {
        long n = refusalsByReason.get(r);
        if (n == 0) continue;
        Refusal reason = Refusal.forNumber(r);
        s.append(s.length() == 0 ? "" : ", ").append(reason == null ? "#" + r : reason.name()).append(' ').append(n);
      }
      return s.length() == 0 ? "" : s + (firstRefusal.get() == null ? "" : "; first: " + firstRefusal.get());
    }

    /** How many clusters' primaries were refused at least once, naming the first few. */
    private String refusedClusters() {
      List<String> names = new ArrayList<>();
      int n = 0;
      for (Agent a : agents) {
        if (a.refused) {
          if (names.size() < 5) names.add(a.cluster);
          n++;
        }
      }
      return n == 0 ? "" : String.format("%,d (%s%s)", n, String.join(", ", names), n > names.size() ? ", ..." : "");
    }

    private Map<String, Long> cpuTicks() throws IOException {
      Map<String, Long> ticks = new LinkedHashMap<>();
      for (String id : memberIds) ticks.put(id, processTicks(group.pid(id)));
      return ticks;
    }

    private Map<String, String> scrapeAll() {
      Map<String, String> m = new LinkedHashMap<>();
      for (String id : memberIds) m.put(id, scrape(group.endpoint(id)));
      return m;
    }

    private void stopSchedules() throws InterruptedException {
      for (ScheduledExecutorService p : partitions) p.shutdownNow();
      for (ScheduledExecutorService p : partitions) p.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** Stops the schedules, half-closes every stream, shuts the channels down. */
    @Override
    public void close() throws InterruptedException {
      closing = true;
      stallWatch.interrupt();
      stopSchedules();
      for (Agent a : agents) {
        if (a == null) continue;
        for (Link l : a.links) l.close();
      }
      for (ManagedChannel c : channels) c.shutdown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      for (ManagedChannel c : channels) {
        if (!c.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) c.shutdownNow();
      }
      for (var loops : eventLoops) loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    // ---- one agent ----

    /** One node's simulated agent; all its sends happen on its partition's thread. */
    final class Agent {
      final String cluster;
      final String node;
      final int partition;
      final Link[] links;
      final ReportSchedule schedule;
      final HealthReport probe;
      /** The primary's renewal rounds; null for a replica's agent. */
      final Rounds rounds;
      volatile boolean reportRequested;
      /** Started by the ramp-up ({@link Fleet#rampUp}); before that it sends nothing. */
      volatile boolean running;
      /** Where reports go, as the real agent decides it (the leader alone while it is known). */
      final dev.deneb.agent.report.ReportRoute route = new dev.deneb.agent.report.ReportRoute();
      /** The report target changed: the next probe is reported at once (ReportSchedule.connected). */
      volatile boolean targetChanged;
      /** Some member refused this agent a round (its cluster's epoch moved on, or a workflow began). */
      volatile boolean refused;
      final AtomicLong epoch = new AtomicLong();

      Agent(String cluster, String node, boolean primary, int partition, ReportSchedule schedule) {
        this.cluster = cluster;
        this.node = node;
        this.partition = partition;
        this.schedule = schedule;
        this.probe = primary ? primaryProbe : replicaProbe;
        this.rounds = primary ? new Rounds(ringSize, MAJORITY) : null;
        this.links = new Link[memberIds.size()];
        for (int m = 0; m < links.length; m++) links[m] = new Link(this, m);
      }

      /** One renewal round: the same request to every member, timed from its send. */
      void renew(long now) {
        renew(now, false);
      }

      void renew(long now, boolean retry) {
        if (!running) return;
        boolean window = windowOpen;
        long id = rounds.open(now, window, retry);
        roundsSent.increment();
        if (window) windowRounds.increment();
        AgentMessage m = AgentMessage.newBuilder()
            .setRenew(RenewLease.newBuilder().setRequestId(id).setEpoch(epoch.get())).build();
        for (Link l : links) {
          if (!l.send(m)) renewSkipped.increment();
        }
      }

      /** One probe of the (static, healthy) database: the real schedule decides whether it is reported. */
      void probe(long now) {
        if (!running) return;
        if (reportRequested) {
          reportRequested = false;
          schedule.requested(now);
        }
        if (targetChanged) {
          targetChanged = false;
          schedule.connected();
        }
        Optional<HealthReport> report = schedule.decide(probe, now);
        if (report.isEmpty()) return;
        reports.increment();
        AgentMessage m = AgentMessage.newBuilder().setReport(report.get()).build();
        // As ControllerLinks.report: the leader alone while it is known and connected, else everyone.
        String leader = route.leader();
        if (!leader.isEmpty()) {
          for (Link l : links) {
            if (l.open() && leader.equals(memberIds.get(l.member))) {
              if (l.send(m)) reportMessages.increment(); else reportSkipped.increment();
              return;
            }
          }
        }
        for (Link l : links) {
          if (l.send(m)) reportMessages.increment(); else reportSkipped.increment();
        }
      }

      void leaderNamed(String leader, long term) {
        if (route.onLeader(leader, term)) targetChanged = true;
      }

      void granted(int member, LeaseGrant g, long now) {
        grants.increment();
        epoch.accumulateAndGet(g.getEpoch(), Math::max);
        if (!g.getAccepted()) {
          refused = true;
          refusals.increment();
          refusalsByReason.incrementAndGet(Math.min(Math.max(g.getRefusalValue(), 0), refusalsByReason.length() - 1));
          firstRefusal.compareAndSet(null, cluster + "/" + node + " by " + memberIds.get(member) + ": " + g.getRefusal()
              + " (epoch " + g.getEpoch() + ") " + g.getDetail());
          return;
        }
        if (rounds == null) return;
        if (!rounds.granted(g.getRequestId(), member, now, Fleet.this)) unknownRoundGrants.increment();
      }
    }

    /** One agent's stream to one member. */
    final class Link implements StreamObserver<ControllerMessage> {
      final Agent agent;
      final int member;
      private volatile ClientCallStreamObserver<AgentMessage> up;
      private volatile boolean ended;
      private volatile boolean welcomedNow;
      private boolean wasWelcomed;
      private AgentGatewayGrpc.AgentGatewayStub stub;
      /** Reconnect back-off, as the real agent's (ControllerLinks): 200 ms doubling to 2 s. */
      private long backoffMs = 200;

      Link(Agent agent, int member) {
        this.agent = agent;
        this.member = member;
      }

      boolean open() {
        return welcomedNow && !ended;
      }

      void open(AgentGatewayGrpc.AgentGatewayStub stub) {
        this.stub = stub;
        ended = false;
        welcomedNow = false;
        up = (ClientCallStreamObserver<AgentMessage>) stub.connect(this);
        // The hello is never skipped: it is queued until the stream is ready.
        up.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setCluster(agent.cluster).setNode(agent.node)
            .setAgentVersion("bench")).build());
      }

      /** Sends unless gRPC flow control says the stream cannot take more now (then the caller counts a skip). */
      boolean send(AgentMessage m) {
        if (ended || !up.isReady()) return false;
        up.onNext(m);
        return true;
      }

      void close() {
        if (up != null && !ended) {
          ended = true;
          try {
            up.onCompleted();
          } catch (RuntimeException e) {
            // Already closed by the member: nothing to half-close.
          }
        }
      }

      @Override
      public void onNext(ControllerMessage m) {
        switch (m.getKindCase()) {
          case WELCOME -> {
            agent.epoch.accumulateAndGet(m.getWelcome().getEpoch(), Math::max);
            welcomedNow = true;
            backoffMs = 200;
            agent.leaderNamed(m.getWelcome().getLeader(), m.getWelcome().getLeaderTerm());
            if (!wasWelcomed) {
              wasWelcomed = true;
              welcomed.incrementAndGet();
            }
          }
          case GRANT -> agent.granted(member, m.getGrant(), System.nanoTime());
          case EPOCH -> agent.epoch.accumulateAndGet(m.getEpoch().getEpoch(), Math::max);
          case REPORT_NOW -> {
            reportRequests.increment();
            agent.reportRequested = true;
          }
          case DIRECTIVE -> directives.increment();
          case LEADER -> agent.leaderNamed(m.getLeader().getLeader(), m.getLeader().getTerm());
          case ERROR -> failed(memberIds.get(member) + " closed " + agent.cluster + "/" + agent.node + ": "
              + m.getError().getMessage());
          case KIND_NOT_SET -> { }
        }
      }

      @Override
      public void onError(Throwable t) {
        failed(memberIds.get(member) + ": stream of " + agent.cluster + "/" + agent.node + " failed: " + t.getMessage());
      }

      @Override
      public void onCompleted() {
        failed(memberIds.get(member) + " ended the stream of " + agent.cluster + "/" + agent.node);
      }

      private void failed(String why) {
        boolean was = ended;
        ended = true;
        welcomedNow = false;
        if (closing || was) return;
        streamFailures.increment();
        firstStreamFailure.compareAndSet(null, why);
        // A real agent reconnects (ControllerLinks): so does this one, after the same back-off.
        long delay = backoffMs;
        backoffMs = Math.min(2000, backoffMs * 2);
        try {
          partitions[agent.partition].schedule(() -> {
            if (closing) return;
            reconnects.increment();
            open(stub);
          }, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
          // The fleet is closing.
        }
      }
    }
  }

  // ---- pure parts (unit-tested) ------------------------------------------------------------------

  /**
   * One primary's renewal rounds in flight: a ring of the last few, each with its send time and the
   * distinct members that granted it. A round whose slot comes round again unresolved is older than the
   * TTL (the ring spans more than it) and never reached a majority in time. Thread-safe: rounds are
   * opened on the agent's scheduler thread, grants arrive on the transport threads of the members.
   */
  static final class Rounds {
    /** What a grant tells about the time since its round was sent. */
    interface Timings {
      /** Member {@code member} granted a round {@code nanos} after it was sent; {@code window}: a measured round. */
      void memberGrant(int member, long nanos, boolean window);

      /** A round reached its majority {@code nanos} after it was sent. */
      void majority(long nanos, boolean window);
    }

    private static final int WINDOW = 0x20;
    private static final int DONE = 0x40;

    private final long[] ids;
    private final long[] sentAt;
    private final byte[] state;
    private final int mask;
    private final int majority;
    private long nextId;
    private int evictedUnresolved;
    /** The send time of the newest round that reached its majority; 0 before any did. */
    private long lastMajoritySentAt;
    /** The newest round is a retry: LeaseKeeper retries a round once, then waits for the interval. */
    private boolean newestIsRetry;

    Rounds(int size, int majority) {
      if (Integer.bitCount(size) != 1) throw new IllegalArgumentException("ring size must be a power of two: " + size);
      this.ids = new long[size];
      this.sentAt = new long[size];
      this.state = new byte[size];
      this.mask = size - 1;
      this.majority = majority;
    }

    /** A ring that spans the TTL plus a few intervals. */
    static int sizeFor(long ttlMillis, long intervalMillis) {
      int needed = (int) ((ttlMillis + intervalMillis - 1) / intervalMillis) + 2;
      return Integer.highestOneBit(needed - 1) << 1;
    }

    /** Opens the next round, sent at {@code now}; {@code window} marks it as measured. Returns its request id. */
    synchronized long open(long now, boolean window) {
      return open(now, window, false);
    }

    /** As {@link #open(long, boolean)}; {@code retry}: the round retries the previous one. */
    synchronized long open(long now, boolean window, boolean retry) {
      newestIsRetry = retry;
      long id = ++nextId;
      int s = (int) (id & mask);
      if (ids[s] != 0 && (state[s] & WINDOW) != 0 && (state[s] & DONE) == 0) evictedUnresolved++;
      ids[s] = id;
      sentAt[s] = now;
      state[s] = (byte) (window ? WINDOW : 0);
      return id;
    }

    /**
     * Member {@code member} granted round {@code id} at {@code now}: tells {@code timings} of this
     * member's grant (its first for the round) and of the round's majority if this grant made it.
     * Returns false for a round no longer in the ring (a grant later than the ring spans).
     */
    synchronized boolean granted(long id, int member, long now, Timings timings) {
      int s = (int) (id & mask);
      if (ids[s] != id || id == 0) return false;
      int st = state[s];
      int bit = 1 << member;
      if ((st & bit) != 0) return true;
      st |= bit;
      boolean window = (st & WINDOW) != 0;
      long took = now - sentAt[s];
      timings.memberGrant(member, took, window);
      if ((st & DONE) == 0 && Integer.bitCount(st & 0x1f) >= majority) {
        st |= DONE;
        timings.majority(took, window);
        if (lastMajoritySentAt == 0 || sentAt[s] - lastMajoritySentAt > 0) lastMajoritySentAt = sentAt[s];
      }
      state[s] = (byte) st;
      return true;
    }

    /**
     * Whether the agent would retry now ({@code LeaseKeeper}'s rule): the newest round is short of a
     * majority {@code retryNanos} after its send, and the lease from the last round that reached one
     * still holds at {@code now}.
     */
    synchronized boolean wantsRetry(long now, long retryNanos, long validNanos) {
      if (nextId == 0 || lastMajoritySentAt == 0 || newestIsRetry) return false;
      int s = (int) (nextId & mask);
      if (ids[s] != nextId || (state[s] & DONE) != 0 || now - sentAt[s] < retryNanos) return false;
      return now - lastMajoritySentAt < validNanos;
    }

    /** Measured rounds that never reached a majority: pushed out of the ring unresolved, or unresolved now. */
    synchronized long windowRoundsWithoutMajority() {
      long n = evictedUnresolved;
      for (int s = 0; s < ids.length; s++) {
        if (ids[s] != 0 && (state[s] & WINDOW) != 0 && (state[s] & DONE) == 0) n++;
      }
      return n;
    }
  }

  /**
   * Latencies in a fixed array of counters (log-linear buckets of microseconds, under 1% error): no
   * sample list that grows with the fleet. Thread-safe without locks; the maximum is exact.
   */
  static final class LatencyHistogram {
    private static final int SUB_BITS = 7;
    private static final int HALF = 1 << (SUB_BITS - 1);
    private final AtomicLongArray counts = new AtomicLongArray(HALF * 64);
    private final AtomicLong max = new AtomicLong();
    private final LongAdder total = new LongAdder();

    void record(long nanos) {
      long micros = Math.max(0, nanos / 1000);
      counts.incrementAndGet(index(micros));
      max.accumulateAndGet(nanos, Math::max);
      total.increment();
    }

    long count() {
      return total.sum();
    }

    static int index(long micros) {
      int shift = Math.max(0, (63 - Long.numberOfLeadingZeros(micros)) - (SUB_BITS - 1));
      return HALF * shift + (int) (micros >>> shift);
    }

    /** The highest value (microseconds) that falls into bucket {@code index}. */
    static long upperBound(int index) {
      int shift = Math.max(0, index / HALF - 1);
      long low = (long) (index - HALF * shift) << shift;
      return low + (1L << shift) - 1;
    }

    Snapshot snapshot() {
      long[] c = new long[counts.length()];
      for (int i = 0; i < c.length; i++) c[i] = counts.get(i);
      return new Snapshot(c, max.get());
    }

    /** A copy of the counters at one moment. */
    record Snapshot(long[] counts, long maxNanos) {
      long count() {
        long n = 0;
        for (long c : counts) n += c;
        return n;
      }

      /** Nearest-rank percentile in nanoseconds (the bucket's upper bound, never above the exact maximum). */
      long percentile(double p) {
        long n = count();
        if (n == 0) return 0;
        long rank = Math.max(1, (long) Math.ceil(p * n));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
          seen += counts[i];
          if (seen >= rank) return Math.min(maxNanos, upperBound(i) * 1000 + 999);
        }
        return maxNanos;
      }
    }
  }

  /** Counters of the whole run; the window is the difference of two. */
  record Totals(long rounds, long grants, long refusals, long unknownRoundGrants, long reports, long reportMessages,
      long skipped, long reportRequests, long directives, long streamFailures, long retries, long reconnects) {
    Totals minus(Totals o) {
      return new Totals(rounds - o.rounds, grants - o.grants, refusals - o.refusals, unknownRoundGrants - o.unknownRoundGrants,
          reports - o.reports, reportMessages - o.reportMessages, skipped - o.skipped, reportRequests - o.reportRequests,
          directives - o.directives, streamFailures - o.streamFailures, retries - o.retries, reconnects - o.reconnects);
    }
  }

  record MemberRow(String id, boolean leader, double cpuPercent, double grantedPerSecond, double refused, double dropped,
      long agentsConnected, LatencyHistogram.Snapshot grantLatency, boolean scraped) {}

  /** Everything measured in the window, and how to print it. */
  record Report(int clusters, int agents, int streams, int intervalMs, int heartbeatMs, double seconds, Totals window,
      LatencyHistogram.Snapshot roundTrip, long windowRounds, long withoutMajority, long lateMajority, double logEntriesPerSecond,
      double clientCpuPercent, List<MemberRow> members, String leader, String leaderAtEnd, long termBefore, long termAfter,
      long directivesWholeRun, LatencyHistogram.Snapshot clientStalls, String refusals, String refusedClusters,
      String firstStreamFailure, String taskFailure) {

    String render() {
      StringBuilder s = new StringBuilder();
      double p99 = roundTrip.percentile(0.99);
      s.append(String.format("clusters %,d (%,d agents, %,d streams), renew every %d ms, report heartbeat %d ms, measured %.0f s%n",
          clusters, agents, streams, intervalMs, heartbeatMs, seconds));
      s.append(String.format("renewal rounds/s  %,9.0f      grants/s  %,9.0f     refusals %,d     rounds without majority %,d%n",
          window.rounds() / seconds, window.grants() / seconds, window.refusals(), withoutMajority + lateMajority));
      s.append(String.format("lease round trip (majority of %d members): p50 %s  p99 %s  max %s  p99/TTL %.3f  (%,d rounds timed)%n",
          MEMBERS, millis(roundTrip.percentile(0.50)), millis((long) p99), millis(roundTrip.maxNanos()),
          p99 / 1e6 / TTL_MILLIS, roundTrip.count()));
      s.append(String.format("log entries/s     %9.1f      reports/s %,9.0f     (%,.0f report messages/s to members)%n",
          logEntriesPerSecond, window.reports() / seconds, window.reportMessages() / seconds));
      StringBuilder cpu = new StringBuilder();
      for (MemberRow m : members) cpu.append(String.format("%s %.0f%%  ", m.id(), m.cpuPercent()));
      s.append(String.format("CPU (%% of one core)  %s bench client %.0f%%%n", cpu, clientCpuPercent));
      s.append(String.format("bench client woke late from %d ms sleeps by p99 %s, max %s (a starved host or a pause; "
          + "it delays grants as seen here)%n", STALL_TICK_MS, millis(clientStalls.percentile(0.99)), millis(clientStalls.maxNanos())));
      s.append("per member (from its /metrics):").append(System.lineSeparator());
      for (MemberRow m : members) {
        if (!m.scraped()) {
          s.append(String.format("  %s%-9s /metrics did not answer within 10 s at the window's start or end: no figures%n",
              m.id(), m.leader() ? " (leader)" : ""));
          continue;
        }
        s.append(String.format("  %s%-9s granted/s %,7.0f  refused %,.0f  dropped (stream not ready) %,.0f  agents connected %,d  "
                + "grant round trip p50 %s p99 %s max %s%n",
            m.id(), m.leader() ? " (leader)" : "", m.grantedPerSecond(), m.refused(), m.dropped(), m.agentsConnected(),
            millis(m.grantLatency().percentile(0.5)), millis(m.grantLatency().percentile(0.99)), millis(m.grantLatency().maxNanos())));
      }
      s.append(String.format("client: sends skipped (stream not ready) %,d, grants for rounds no longer tracked %,d, "
              + "rounds reaching a majority only after the TTL %,d, never %,d; rounds retried (short of a majority) %,d; "
              + "streams reconnected %,d; report requests %,d (in the window); directives %,d (whole run)%n",
          window.skipped(), window.unknownRoundGrants(), lateMajority, withoutMajority, window.retries(), window.reconnects(),
          window.reportRequests(), directivesWholeRun));
      if (!refusals.isEmpty()) {
        s.append("refusals by reason (whole run): ").append(refusals).append(System.lineSeparator());
        s.append("clusters whose primary was refused (whole run): ").append(refusedClusters)
            .append(": the group began a workflow or moved the epoch; their logs say why").append(System.lineSeparator());
      }
      if (window.streamFailures() > 0 || firstStreamFailure != null) {
        s.append(String.format("agent streams ended by the group: %,d in the window; first: %s%n", window.streamFailures(),
            firstStreamFailure));
      }
      if (taskFailure != null) s.append("a scheduler task failed: ").append(taskFailure).append(System.lineSeparator());
      if (termAfter != termBefore || leaderAtEnd == null || !leaderAtEnd.equals(leader)) {
        s.append(String.format("Raft: term %d at the start of the window, %d at its end; leader %s at the start, %s at the end "
            + "(log entries/s counted on %s)%n", termBefore, termAfter, leader, leaderAtEnd == null ? "none agreed" : leaderAtEnd,
            leader));
      }
      return s.toString();
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------

  static String millis(long nanos) {
    double ms = nanos / 1e6;
    return ms < 10 ? String.format("%.1f ms", ms) : String.format("%,.0f ms", ms);
  }

  /** utime + stime of a process, in clock ticks, from /proc/<pid>/stat. */
  static long processTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static long clientCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      long t = os.getProcessCpuTime();
      if (t >= 0) return t;
    }
    return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  /**
   * A holder, so the client is built on first use: picocli instantiates every subcommand at start,
   * and a static HttpClient here made every {@code deneb} command (the agent's start included) load
   * the JDK's HTTP and TLS stack first — 0.4 s of a 2.8 s agent start, measured with class+load logs.
   */
  private static final class MetricsHttp {
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** {@code GET /metrics} of one member; empty text if it does not answer (its numbers then read 0). */
  private static String scrape(URI endpoint) {
    try {
      HttpResponse<String> r = MetricsHttp.CLIENT.send(HttpRequest.newBuilder(endpoint.resolve("/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : "";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** The sum of a metric's samples in Prometheus text, optionally only those whose labels contain {@code label}. */
  static double metric(String text, String name, String label) {
    if (text == null) return 0;
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(name)) continue;
      int end = name.length();
      if (line.length() == end || (line.charAt(end) != '{' && line.charAt(end) != ' ')) continue;
      if (label != null && !line.contains(label)) continue;
      String rest = line.charAt(end) == '{' ? line.substring(line.lastIndexOf('}') + 1) : line.substring(end);
      String[] parts = rest.trim().split("\\s+");
      try {
        sum += Double.parseDouble(parts[0]);
      } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
        // Not a sample line.
      }
    }
    return sum;
  }

  private static double delta(String before, String after, String name, String label) {
    return metric(after, name, label) - metric(before, name, label);
  }

  /**
   * WARN and ERROR lines in each member's log, with the first that is neither an orchestrator decision
   * (those are WARN on every change of reason, e.g. while agents connect) nor from Ratis (elections,
   * retried appends): the run's health at a glance. The logs stay in {@code home}.
   */
  private static final java.util.regex.Pattern RATIS_LOGGER = java.util.regex.Pattern.compile(
      "\\b(o\\.a\\.r|o\\.a\\.ratis|o\\.apache\\.ratis|org\\.apache\\.ratis)\\.");

  static String logSummary(Path home) {
    StringBuilder s = new StringBuilder("controller logs in ").append(home).append(":");
    for (int m = 1; m <= MEMBERS; m++) {
      Path log = home.resolve("c" + m).resolve("controller.log");
      long warn = 0;
      long decisions = 0;
      long error = 0;
      long traces = 0;
      long pauses = 0;
      String first = null;
      try (BufferedReader r = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (line.contains(" WARN ")) {
            warn++;
            if (line.contains("Detected pause in JVM") || line.contains("Unexpected long sleep")) pauses++;
            if (line.contains("failover.Orchestrator - cluster ")) {
              decisions++;
              continue;
            }
          } else if (line.contains(" ERROR ")) {
            error++;
          } else if (!line.isEmpty() && !Character.isDigit(line.charAt(0)) && line.contains("Exception")) {
            traces++;
          } else {
            continue;
          }
          if (first == null && !RATIS_LOGGER.matcher(line).find()) {
            first = line.length() > 240 ? line.substring(0, 240) + "..." : line;
          }
        }
      } catch (IOException e) {
        s.append(System.lineSeparator()).append("  c").append(m).append(" unreadable (").append(e.getMessage()).append(')');
        continue;
      }
      s.append(System.lineSeparator()).append(String.format("  c%d: %,d WARN (%,d orchestrator decisions, %,d pauses of the JVM or "
          + "host), %,d ERROR, %,d exception lines in traces%s", m, warn, decisions, pauses, error, traces,
          first == null ? "" : "; first other than those and Ratis: " + first.strip()));
    }
    return s.toString();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  void say(String line) {
    out.println(line);
    out.flush();
  }
}
