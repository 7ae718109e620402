package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Every managed cluster as a table, or one cluster in detail with its nodes.")
final class StatusCommand extends CtlSubcommand {

  @Parameters(arity = "0..1", paramLabel = "CLUSTER", description = "Show this cluster in detail.")
  String cluster;

  @Option(names = "--stale", description = "Answer from the asked member's applied state (no Raft round trip).")
  boolean stale;

  @Override
  void run(ControllerClient client) {
    String query = stale ? "?stale=true" : "";
    if (cluster == null) {
      show(client.get("/v1/clusters" + query), Views::clusters);
    } else {
      show(client.get(clusterPath(cluster) + query), Views::cluster);
    }
  }
}
