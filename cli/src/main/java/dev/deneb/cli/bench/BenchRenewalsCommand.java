package dev.deneb.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deneb.cli.CliException;
import dev.deneb.protocol.AgentGatewayGrpc;
import dev.deneb.protocol.AgentMessage;
import dev.deneb.protocol.ControllerMessage;
import dev.deneb.protocol.Hello;
import dev.deneb.protocol.RenewLease;
import dev.deneb.sandbox.ControllerGroupOptions;
import dev.deneb.sandbox.ControllerGroupSandbox;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deneb bench renewals}: N simulated primaries, each on its own agent stream, renew their
 * lease every interval against a fresh 3-process controller group on loopback. Reports Raft log
 * entries per second (are renewals batched?), renewal round-trip p50/p99 (is it far below the
 * lease TTL?) and each controller's CPU. Client and servers share the machine's cores.
 */
@Command(name = "renewals", mixinStandardHelpOptions = true,
    description = "Lease renewals from many simulated primaries: log entries/s, round-trip p50/p99, controller CPU.")
final class BenchRenewalsCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final long TTL_MILLIS = 3000;

  @Option(names = "--primaries", defaultValue = "1000", description = "Simulated primaries (default ${DEFAULT-VALUE}).")
  int primaries;

  @Option(names = "--interval-ms", defaultValue = "500", description = "Renewal interval per primary (default ${DEFAULT-VALUE}).")
  int intervalMs;

  @Option(names = "--seconds", defaultValue = "30", description = "Measured time after a warm-up of a third of it (default ${DEFAULT-VALUE}).")
  int seconds;

  @Override
  public Integer call() throws Exception {
    if (primaries < 1 || primaries > 20_000) throw new CliException("--primaries must be 1-20000, not " + primaries);
    if (intervalMs < 50) throw new CliException("--interval-ms must be at least 50, not " + intervalMs);
    if (seconds < 3 || seconds > 3600) throw new CliException("--seconds must be 3-3600, not " + seconds);
    Path dir = Files.createTempDirectory("deneb-bench-renewals");
    try (ControllerGroupSandbox group = ControllerGroupSandbox.start(3, dir, ControllerGroupOptions.defaults())) {
      String leader = group.awaitLeader();
      System.out.printf("controller group up, leader %s; creating %,d clusters ...%n", leader, primaries);
      createClusters(group.endpoint(leader), primaries);
      return measure(group, leader);
    }
  }

  private static void createClusters(URI api, int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String c = "p" + i;
        work.add(pool.submit(() -> {
          post(api, "/v1/clusters", "{\"name\":\"" + c + "\",\"leaseTtlMs\":" + TTL_MILLIS + "}");
          post(api, "/v1/clusters/" + c + "/nodes", "{\"node\":\"db1\",\"host\":\"127.0.0.1\",\"port\":3306}");
          post(api, "/v1/clusters/" + c + "/bootstrap", "{\"primary\":\"db1\"}");
          return null;
        }));
      }
      for (int i = 0; i < work.size(); i++) {
        work.get(i).get();
        if ((i + 1) % 250 == 0) System.out.printf("  %,d / %,d clusters bootstrapped%n", i + 1, n);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** One simulated primary's agent stream. */
  private final class Agent implements StreamObserver<ControllerMessage> {
    final String cluster;
    final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    final CountDownLatch welcomed = new CountDownLatch(1);
    StreamObserver<AgentMessage> up;
    long nextId;

    Agent(String cluster) {
      this.cluster = cluster;
    }

    synchronized void renew() {
      long id = ++nextId;
      sentAt.put(id, System.nanoTime());
      sent.incrementAndGet();
      up.onNext(AgentMessage.newBuilder().setRenew(RenewLease.newBuilder().setRequestId(id).setEpoch(1)).build());
    }

    @Override
    public void onNext(ControllerMessage m) {
      switch (m.getKindCase()) {
        case WELCOME -> welcomed.countDown();
        case GRANT -> {
          Long start = sentAt.remove(m.getGrant().getRequestId());
          if (start == null) return;
          if (m.getGrant().getAccepted()) accepted.incrementAndGet(); else refused.incrementAndGet();
          if (measuring) record(System.nanoTime() - start);
        }
        default -> errors.incrementAndGet();
      }
    }

    @Override
    public void onError(Throwable t) {
      errors.incrementAndGet();
    }

    @Override
    public void onCompleted() {}
  }

  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private volatile boolean measuring;
  private long[] samples = new long[1 << 16];
  private int sampleCount;

  private synchronized void record(long nanos) {
    if (sampleCount == samples.length) samples = java.util.Arrays.copyOf(samples, samples.length * 2);
    samples[sampleCount++] = nanos;
  }

  private int measure(ControllerGroupSandbox group, String leader) throws Exception {
    List<String> ids = group.memberIds();
    List<ManagedChannel> channels = new ArrayList<>();
    for (String id : ids) {
      channels.add(NettyChannelBuilder.forTarget(group.member(id).agentAddress()).usePlaintext().build());
    }
    ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    try {
      List<Agent> agents = new ArrayList<>();
      for (int i = 0; i < primaries; i++) {
        Agent a = new Agent("p" + i);
        // Spread agents over the members: renewals reach the leader through any of them.
        a.up = AgentGatewayGrpc.newStub(channels.get(i % channels.size())).connect(a);
        a.up.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setCluster(a.cluster).setNode("db1")).build());
        agents.add(a);
      }
      for (Agent a : agents) {
        if (!a.welcomed.await(30, TimeUnit.SECONDS)) throw new CliException("agent " + a.cluster + " got no welcome");
      }
      for (Agent a : agents) {
        timers.scheduleAtFixedRate(a::renew, ThreadLocalRandom.current().nextLong(intervalMs), intervalMs, TimeUnit.MILLISECONDS);
      }
      long warmup = Math.max(1, seconds / 3);
      System.out.printf("%,d agent streams open (spread over %d members); renewing every %d ms; warm-up %d s, measuring %d s ...%n",
          primaries, ids.size(), intervalMs, warmup, seconds);
      TimeUnit.SECONDS.sleep(warmup); // a benchmark's fixed warm-up period, not a wait for a condition
      Map<String, Long> cpuBefore = cpuTicks(group, ids);
      long appliedBefore = appliedIndex(group.endpoint(leader));
      long sentBefore = sent.get();
      long t0 = System.nanoTime();
      measuring = true;
      TimeUnit.SECONDS.sleep(seconds);
      measuring = false;
      double elapsed = (System.nanoTime() - t0) / 1e9;
      long appliedAfter = appliedIndex(group.endpoint(leader));
      Map<String, Long> cpuAfter = cpuTicks(group, ids);
      long sentDuring = sent.get() - sentBefore;
      report(elapsed, appliedAfter - appliedBefore, sentDuring, cpuBefore, cpuAfter, leader);
      return 0;
    } finally {
      timers.shutdownNow();
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  private void report(double elapsed, long entries, long sentDuring, Map<String, Long> before, Map<String, Long> after,
      String leader) {
    long[] sorted;
    synchronized (this) {
      sorted = java.util.Arrays.copyOf(samples, sampleCount);
    }
    java.util.Arrays.sort(sorted);
    System.out.println();
    System.out.printf("deneb bench renewals: %,d primaries renewing every %d ms, 3 controller processes, %.1f s measured%n",
        primaries, intervalMs, elapsed);
    System.out.printf("  renewals sent/s        %,12.0f   (expected %,.0f)%n", sentDuring / elapsed, primaries * 1000.0 / intervalMs);
    System.out.printf("  grants measured        %,12d   accepted %,d, refused %,d, stream errors %,d (whole run)%n",
        sorted.length, accepted.get(), refused.get(), errors.get());
    System.out.printf("  Raft log entries/s     %,12.1f   (all entries on the leader; %.0f renewals per entry)%n",
        entries / elapsed, entries == 0 ? 0 : sentDuring / (double) entries);
    System.out.printf("  round trip ms          p50 %.1f   p90 %.1f   p99 %.1f   max %.1f%n",
        ms(LatencySummary.percentile(sorted, 0.50)), ms(LatencySummary.percentile(sorted, 0.90)),
        ms(LatencySummary.percentile(sorted, 0.99)), ms(sorted.length == 0 ? 0 : sorted[sorted.length - 1]));
    System.out.printf("  p99 / lease TTL        %12.3f   (TTL %d ms: the lease is renewed from the send time)%n",
        ms(LatencySummary.percentile(sorted, 0.99)) / TTL_MILLIS, TTL_MILLIS);
    for (String id : after.keySet()) {
      double cpu = (after.get(id) - before.getOrDefault(id, 0L)) / 100.0 / elapsed * 100;
      System.out.printf("  controller %s CPU      %11.0f%%   %s%n", id, cpu, id.equals(leader) ? "(leader)" : "");
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  /** utime + stime from /proc/<pid>/stat, in clock ticks (100 per second on Linux). */
  private static Map<String, Long> cpuTicks(ControllerGroupSandbox group, List<String> ids) throws IOException {
    Map<String, Long> ticks = new LinkedHashMap<>();
    for (String id : ids) {
      String stat = Files.readString(Path.of("/proc", Long.toString(group.pid(id)), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      ticks.put(id, Long.parseLong(f[11]) + Long.parseLong(f[12]));
    }
    return ticks;
  }

  private static long appliedIndex(URI api) throws IOException, InterruptedException {
    JsonNode n = JSON.readTree(get(api, "/v1/controller"));
    return n.get("appliedIndex").asLong();
  }

  private static String get(URI api, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private static void post(URI api, String path, String body) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) throw new CliException("setup " + path + " failed: " + r.statusCode() + " " + r.body());
  }
}
