package dev.deneb.cli.bench;

import dev.deneb.cli.CliException;
import dev.deneb.cli.Table;
import dev.deneb.cli.ctl.ControllerClient;
import dev.deneb.cli.demo.DemoCommand;
import dev.deneb.sandbox.ControllerGroupOptions;
import dev.deneb.sandbox.ControllerGroupSandbox;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code deneb bench api}: read throughput and latency of {@code GET /v1/clusters/{c}/primary},
 * linearizable against {@code ?stale=true}, on the leader and on a follower, against a fresh
 * 3-member group on loopback. Client and servers share the machine: compare ratios, not absolutes.
 */
@Command(name = "api", mixinStandardHelpOptions = true,
    description = "Primary-lookup reads per second and p50/p99: linearizable vs stale, leader vs follower.")
final class BenchApiCommand implements Callable<Integer> {

  static final String CLUSTER = "bench";
  private static final int SCENARIOS = 4;

  @Option(names = "--seconds", defaultValue = "10", paramLabel = "N",
      description = "Total measuring time, split across the four scenarios (default ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--threads", defaultValue = "4", paramLabel = "N",
      description = "Concurrent clients, each sending its next read when the last one answered (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--dir", paramLabel = "DIR", description = "Keep the group's configs, data and logs here (default: a temporary directory, deleted).")
  Path dir;

  // --verbose is inherited from BenchCommand.
  @Spec CommandSpec spec;

  /** One measured combination. */
  private record Scenario(String target, String memberId, boolean stale) {}

  private record Measured(Scenario scenario, LatencySummary summary) {}

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (seconds < SCENARIOS) {
      throw new CliException("--seconds must be at least " + SCENARIOS + " (one per scenario), not " + seconds);
    }
    if (threads < 1 || threads > 64) {
      throw new CliException("--threads must be between 1 and 64, not " + threads);
    }
    PrintWriter out = spec.commandLine().getOut();
    Path home = dir != null ? Files.createDirectories(dir.toAbsolutePath()) : Files.createTempDirectory("deneb-bench-api-");
    try (ControllerGroupSandbox group = ControllerGroupSandbox.start(3, home, ControllerGroupOptions.defaults())) {
      say(out, "started controllers " + String.join(", ", group.memberIds().stream()
          .map(id -> id + " (pid " + group.pid(id) + ")").toList()) + " in " + home);
      String leader = DemoCommand.awaitLeader(group);
      String follower = group.memberIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      prepareCluster(new ControllerClient(group.endpoints()));

      Duration perScenario = Duration.ofSeconds(seconds).dividedBy(SCENARIOS);
      Duration warmup = min(Duration.ofSeconds(1), perScenario.dividedBy(5));
      Duration window = perScenario.minus(warmup);
      say(out, String.format("leader %s, follower %s; %d threads, %.1fs per scenario after %.1fs warm-up",
          leader, follower, threads, window.toMillis() / 1e3, warmup.toMillis() / 1e3));

      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      List<Measured> results = new ArrayList<>();
      for (Scenario scenario : List.of(
          new Scenario("leader", leader, false), new Scenario("leader", leader, true),
          new Scenario("follower", follower, false), new Scenario("follower", follower, true))) {
        URI url = group.endpoint(scenario.memberId())
            .resolve("/v1/clusters/" + CLUSTER + "/primary" + (scenario.stale() ? "?stale=true" : ""));
        say(out, "measuring " + scenario.target() + " " + scenario.memberId() + " " + mode(scenario) + " ...");
        results.add(new Measured(scenario, ReadLoad.run(http, url, threads, warmup, window)));
      }
      say(out, "");
      out.print(table(results));
      say(out, "(client and controllers share this machine's CPUs: compare the ratios, not the absolute numbers)");
    } finally {
      if (dir == null) {
        deleteTree(home);
      }
    }
    say(out, "stopped every controller the benchmark started");
    return 0;
  }

  private static void prepareCluster(ControllerClient client) {
    client.post("/v1/clusters", ControllerClient.object().put("name", CLUSTER));
    client.post("/v1/clusters/" + CLUSTER + "/nodes",
        ControllerClient.object().put("node", "db1").put("host", "127.0.0.1").put("port", 3306));
    client.post("/v1/clusters/" + CLUSTER + "/bootstrap", ControllerClient.object().put("primary", "db1"));
  }

  /** One row per scenario; stale rows also show their throughput relative to linearizable reads on the same member. */
  static String table(List<Measured> results) {
    Table table = Table.withHeaders("TARGET", "READ", "READS/S", "P50", "P99", "ERRORS", "STALE/LINEARIZABLE");
    for (Measured m : results) {
      String ratio = null;
      if (m.scenario().stale()) {
        ratio = results.stream()
            .filter(other -> !other.scenario().stale() && other.scenario().memberId().equals(m.scenario().memberId()))
            .findFirst()
            .filter(lin -> lin.summary().readsPerSecond() > 0)
            .map(lin -> String.format("%.2fx", m.summary().readsPerSecond() / lin.summary().readsPerSecond()))
            .orElse(null);
      }
      LatencySummary s = m.summary();
      table.row(m.scenario().target() + " " + m.scenario().memberId(), mode(m.scenario()),
          String.format("%.0f", s.readsPerSecond()), millis(s.p50()), millis(s.p99()), s.errors(), ratio);
    }
    return table.render();
  }

  private static String mode(Scenario scenario) {
    return scenario.stale() ? "stale" : "linearizable";
  }

  private static String millis(Duration d) {
    return String.format("%.2fms", d.toNanos() / 1e6);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static void say(PrintWriter out, String line) {
    out.println(line);
    out.flush();
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
