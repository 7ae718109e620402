package dev.deneb.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.cli.CliException;
import dev.deneb.sandbox.ControllerApi;
import dev.deneb.sandbox.HaEnvironment;
import dev.deneb.sandbox.workload.Writer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deneb bench failover}: rounds of one fault at a time against the full local environment
 * (3 controllers, 3 MariaDB nodes, agents, Toxiproxy), with a client writing continuously through
 * discovery. For each fault type it prints p50/p99 of the client-observed write unavailability (the
 * longest gap between acknowledged writes around the fault) and of detection time (fault to the
 * workflow's begin, both on this host's clock), plus acknowledged writes lost and nodes quarantined.
 * A benchmark, not a test: nothing here asserts a time.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
    description = "Failover rounds per fault type: client-observed write unavailability and detection p50/p99.")
final class BenchFailoverCommand implements Callable<Integer> {
  enum Fault { MYSQLD_CRASH, HOST_LOSS, AGENT_PARTITION, SWITCHOVER }

  @Option(names = "--rounds", defaultValue = "10", description = "Rounds per fault type (default ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--faults", defaultValue = "mysqld-crash,host-loss,agent-partition,switchover", split = ",",
      description = "Fault types to run (default ${DEFAULT-VALUE}).")
  List<String> faults;

  @Option(names = "--durability", defaultValue = "semi-sync", description = "async or semi-sync (default ${DEFAULT-VALUE}).")
  String durability;

  @Option(names = "--dir", description = "Where the environment's files go (default: a new temporary directory).")
  Path dir;

  private record Round(long unavailableMillis, long detectionMillis, long lostAcked, boolean quarantined) {}

  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(90);

  @Override
  public Integer call() throws Exception {
    if (rounds < 1 || rounds > 1000) throw new CliException("--rounds must be 1-1000, not " + rounds);
    if (!durability.equals("async") && !durability.equals("semi-sync")) {
      throw new CliException("--durability must be async or semi-sync, not '" + durability + "'");
    }
    List<Fault> kinds = new ArrayList<>();
    for (String f : faults) {
      try {
        kinds.add(Fault.valueOf(f.trim().toUpperCase(Locale.ROOT).replace('-', '_')));
      } catch (IllegalArgumentException e) {
        throw new CliException("--faults: unknown fault '" + f + "'; use mysqld-crash, host-loss, agent-partition, switchover");
      }
    }
    Path base = dir != null ? dir : Files.createTempDirectory("deneb-bench-failover");
    Map<Fault, List<Round>> results = new LinkedHashMap<>();
    int envs = 0;
    for (Fault fault : kinds) {
      List<Round> done = new ArrayList<>();
      HaEnvironment env = null;
      try {
        for (int i = 1; i <= rounds; i++) {
          if (env == null) {
            envs++;
            System.out.printf("[%s] starting the environment (3 controllers, 3 MariaDB, agents, Toxiproxy) ...%n", label(fault));
            env = HaEnvironment.start(base.resolve("env-" + envs), HaEnvironment.Options.defaults().withProxies()
                .withDurability(durability));
          }
          Round r = round(env, fault);
          done.add(r);
          System.out.printf("[%s] round %d/%d: writes unavailable %d ms, detection %s, lost acknowledged %d%s%n", label(fault),
              i, rounds, r.unavailableMillis(), fault == Fault.SWITCHOVER ? "n/a" : r.detectionMillis() + " ms", r.lostAcked(),
              r.quarantined() ? ", old primary quarantined (environment restarted)" : "");
          if (r.quarantined()) {
            env.close();
            env = null;
          }
        }
      } finally {
        if (env != null) env.close();
      }
      results.put(fault, done);
    }
    print(results);
    return 0;
  }

  private Round round(HaEnvironment env, Fault fault) throws Exception {
    ControllerApi api = env.api();
    ControllerApi.Primary before = api.primary(HaEnvironment.CLUSTER).orElseThrow(() -> new CliException("no primary"));
    try (Writer writer = new Writer("bench", System.nanoTime() % 1_000_000_000L * 1000, env::primaryTarget).start()) {
      await("writes on " + before.node(), () -> writer.acks().size() >= 50);
      long faultNanos = System.nanoTime();
      long faultWall = System.currentTimeMillis();
      inject(env, fault, before.node());
      long[] begunAt = {0};
      await("a new primary", () -> {
        begunAt[0] = begunAt[0] != 0 ? begunAt[0] : workflowBegunAt(api);
        return api.primary(HaEnvironment.CLUSTER).filter(p -> p.epoch() > before.epoch()).isPresent();
      });
      long epoch = api.primary(HaEnvironment.CLUSTER).orElseThrow().epoch();
      await("writes in epoch " + epoch, () -> writer.acks().stream().filter(a -> a.atNanos() > faultNanos && a.epoch() >= epoch).count() >= 20);
      writer.close();
      long unavailable = writer.longestGapAfter(faultNanos).toMillis();
      long lost = lostAcknowledged(env, writer);
      heal(env, fault, before.node());
      await("the cluster to settle", () -> settled(api));
      boolean quarantined = anyQuarantined(api);
      return new Round(unavailable, begunAt[0] == 0 ? -1 : Math.max(0, begunAt[0] - faultWall), lost, quarantined);
    }
  }

  private static void inject(HaEnvironment env, Fault fault, String primary) throws IOException {
    switch (fault) {
      case MYSQLD_CRASH -> env.db(primary).kill();
      case HOST_LOSS -> {
        env.agent(primary).kill();
        env.db(primary).kill();
      }
      case AGENT_PARTITION -> {
        for (String m : env.controllers().memberIds()) env.agentLink(primary, m).cut();
      }
      case SWITCHOVER -> {
        var r = env.api().post("/v1/clusters/" + HaEnvironment.CLUSTER + "/switchover", "{\"reason\":\"bench\"}");
        if (r.status() != 202) throw new CliException("switchover refused: HTTP " + r.status() + " " + r.body());
      }
    }
  }

  private static void heal(HaEnvironment env, Fault fault, String old) throws IOException {
    switch (fault) {
      case MYSQLD_CRASH -> env.db(old).start();
      case HOST_LOSS -> {
        env.db(old).start();
        env.startAgent(old);
      }
      case AGENT_PARTITION -> {
        for (String m : env.controllers().memberIds()) env.agentLink(old, m).restore();
      }
      case SWITCHOVER -> { }
    }
  }

  private static long workflowBegunAt(ControllerApi api) {
    try {
      JsonNode w = api.get("/v1/clusters/" + HaEnvironment.CLUSTER + "?stale=true").body().path("workflow");
      return w.isObject() ? w.path("begunAtMillis").asLong(0) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** No workflow, and every node checked (admitted or quarantined). */
  private static boolean settled(ControllerApi api) throws IOException {
    JsonNode c = api.get("/v1/clusters/" + HaEnvironment.CLUSTER).body();
    if (c.path("workflow").isObject()) return false;
    for (JsonNode n : c.path("nodes")) {
      if (n.path("needsCheck").asBoolean()) return false;
    }
    return true;
  }

  private static boolean anyQuarantined(ControllerApi api) throws IOException {
    for (JsonNode n : api.get("/v1/clusters/" + HaEnvironment.CLUSTER).body().path("nodes")) {
      if (n.path("state").asText().equals("quarantined")) return true;
    }
    return false;
  }

  private static long lostAcknowledged(HaEnvironment env, Writer writer) throws Exception {
    String primary = env.api().primary(HaEnvironment.CLUSTER).orElseThrow().node();
    Set<Long> rows = new HashSet<>();
    try (Connection c = env.appEndpoint(primary).open(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT id FROM app.writes")) {
      while (r.next()) rows.add(r.getLong(1));
    }
    return writer.acks().stream().filter(a -> !rows.contains(a.id())).count();
  }

  private static void await(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
    while (!check.ok()) {
      if (System.nanoTime() > deadline) throw new CliException("timed out after " + STEP_TIMEOUT.toSeconds() + " s waiting for " + what);
      // Polling the API and the writer's counters; the bench does not wait on anything finer.
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean ok() throws Exception;
  }

  private static void print(Map<Fault, List<Round>> results) {
    System.out.println();
    System.out.println("fault             rounds  unavailable p50 / p99 / max (ms)   detection p50 / p99 (ms)   lost acked  quarantined");
    for (var e : results.entrySet()) {
      List<Round> rs = e.getValue();
      long[] gaps = rs.stream().mapToLong(Round::unavailableMillis).sorted().toArray();
      long[] det = rs.stream().mapToLong(Round::detectionMillis).filter(d -> d >= 0).sorted().toArray();
      System.out.printf("%-17s %6d  %8d / %5d / %5d               %s   %10d  %11d%n", label(e.getKey()), rs.size(),
          pct(gaps, 50), pct(gaps, 99), gaps.length == 0 ? 0 : gaps[gaps.length - 1],
          e.getKey() == Fault.SWITCHOVER || det.length == 0 ? "      n/a        " : String.format("%6d / %6d     ", pct(det, 50), pct(det, 99)),
          rs.stream().mapToLong(Round::lostAcked).sum(), rs.stream().filter(Round::quarantined).count());
    }
  }

  private static long pct(long[] sorted, int p) {
    if (sorted.length == 0) return 0;
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static String label(Fault f) {
    return f.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
