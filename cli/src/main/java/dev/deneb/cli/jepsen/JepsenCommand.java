package dev.deneb.cli.jepsen;

import dev.deneb.cli.CliException;
import dev.deneb.cli.Table;
import dev.deneb.cli.VerboseOption;
import dev.deneb.jepsen.checker.Verdict;
import dev.deneb.jepsen.harness.JepsenRun;
import dev.deneb.jepsen.history.Durability;
import dev.deneb.jepsen.nemesis.Nemesis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code deneb jepsen}: one Jepsen-style run on local processes (3 controllers, 3 MariaDB nodes,
 * agents, Toxiproxy), faults drawn from a seeded schedule, every checker at the end. Exit code 0
 * only when every checker passes, 1 otherwise; the run directory keeps {@code history.jsonl},
 * {@code report.html} and {@code verdicts.json}. The same seed replays the same schedule.
 */
@Command(name = "jepsen", mixinStandardHelpOptions = true,
    description = "Run the Jepsen-style suite once: seeded faults under client writes, then the checkers (docs/jepsen.md).")
public final class JepsenCommand implements Callable<Integer> {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  @Mixin VerboseOption verbose;

  @Option(names = "--time", defaultValue = "10m", description = "How long to inject faults, e.g. 90s, 10m "
      + "(at least one round of every chosen nemesis runs; default ${DEFAULT-VALUE}).")
  Duration time;

  @Option(names = "--nemesis", defaultValue = "all", description = "all, or a comma list of: kill-mysqld, pause-mysqld, "
      + "kill-agent, pause-agent, kill-host, pause-host, kill-leader, pause-leader, kill-minority, pause-minority, "
      + "partition-primary-controllers, partition-primary-replicas, blackhole-primary-controllers, latency-agents, "
      + "quorum-loss, quorum-loss+partition-primary-replicas, isolate-leader, partition-controllers-asymmetric (the last two"
      + " run the controllers in network namespaces: root, ip and nft) (default ${DEFAULT-VALUE}).")
  String nemesis;

  @Option(names = "--durability", defaultValue = "semi-sync", description = "semi-sync or async (default ${DEFAULT-VALUE}).")
  String durability;

  @Option(names = "--seed", description = "Seed of the fault schedule (default: the current time, printed).")
  Long seed;

  @Option(names = "--dir", description = "Run directory (default: a new directory under the system temp dir).")
  Path dir;

  @Option(names = "--clients", defaultValue = "3", description = "Concurrent client writers (default ${DEFAULT-VALUE}).")
  int clients;

  @Override
  public Integer call() throws Exception {
    Set<Nemesis> nemeses;
    try {
      nemeses = Nemesis.parse(nemesis);
    } catch (IllegalArgumentException e) {
      throw new CliException("--nemesis: " + e.getMessage());
    }
    Durability mode = switch (durability) {
      case "semi-sync" -> Durability.SEMI_SYNC;
      case "async" -> Durability.ASYNC;
      default -> throw new CliException("--durability must be semi-sync or async, not '" + durability + "'");
    };
    if (clients < 1 || clients > 16) throw new CliException("--clients must be 1-16, not " + clients);
    long s = seed != null ? seed : System.currentTimeMillis();
    Path runDir = dir != null ? dir : Files.createTempDirectory("deneb-jepsen-" + s + "-");
    JepsenRun.Options options = new JepsenRun.Options(time, nemeses, mode, s, runDir, Duration.ofSeconds(4),
        Duration.ofSeconds(8), clients);
    JepsenRun.Result result = new JepsenRun(options, line ->
        System.out.println(LocalTime.now().format(CLOCK) + "  " + line)).run();
    print(result);
    return result.valid() ? 0 : 1;
  }

  static void print(JepsenRun.Result result) {
    System.out.println();
    Table t = Table.withHeaders("PROPERTY", "VERDICT", "VIOLATIONS", "FIRST VIOLATION");
    for (Verdict v : result.verdicts()) {
      t.row(v.property(), v.valid() ? "PASS" : "FAIL", v.violations().size(),
          v.violations().isEmpty() ? "" : v.violations().get(0));
    }
    System.out.print(t.render());
    System.out.println();
    Table s = Table.withoutHeaders(2);
    for (Map.Entry<String, Object> e : result.summary().entrySet()) s.row(e.getKey(), e.getValue());
    System.out.print(s.render());
    System.out.println();
    System.out.println("history " + result.dir().resolve("history.jsonl"));
    System.out.println("report  " + result.dir().resolve("report.html"));
    System.out.println("verdicts " + result.dir().resolve("verdicts.json"));
    System.out.println(result.valid() ? "all checkers passed" : "INVALID: a checker failed; replay with --seed "
        + result.summary().get("seed") + " and the same --nemesis and --durability");
  }
}
