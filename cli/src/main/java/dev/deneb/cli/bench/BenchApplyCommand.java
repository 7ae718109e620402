package dev.deneb.cli.bench;

import dev.deneb.cli.CliException;
import dev.deneb.state.bench.ApplyBenchmark;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code deneb bench apply}: how fast the pure state machine applies a realistic command mix, per
 * number of managed clusters. In-process, no Raft, no I/O; the benchmark itself lives beside the
 * code it measures ({@link ApplyBenchmark}, raft-state-machine).
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
    description = "State-machine apply throughput and latency for 10, 1000 and 10000 clusters (in-process).")
final class BenchApplyCommand implements Callable<Integer> {

  @Option(names = "--clusters", split = ",", paramLabel = "N[,N...]", hideParamSyntax = true, defaultValue = "10,1000,10000",
      description = "Numbers of managed clusters (3 nodes each), one run each (default ${DEFAULT-VALUE}).")
  List<Integer> clusters;

  @Option(names = "--seconds", defaultValue = "5", paramLabel = "N",
      description = "Measured seconds per run, after a warm-up of half that, at least 1s (default ${DEFAULT-VALUE}).")
  int seconds;

  // --verbose is inherited from BenchCommand.
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (seconds < 1) {
      throw new CliException("--seconds must be at least 1, not " + seconds);
    }
    for (int n : clusters) {
      if (n < 1) {
        throw new CliException("--clusters: " + n + " is not a number of clusters (at least 1)");
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    for (int n : clusters) {
      out.println(ApplyBenchmark.run(n, seconds));
      out.flush();
    }
    return 0;
  }
}
