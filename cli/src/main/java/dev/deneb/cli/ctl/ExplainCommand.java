package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "explain", mixinStandardHelpOptions = true,
    description = {"Why the cluster is as it is: the orchestrator's newest decision (reason and detail) and the "
        + "per-node evidence it was taken on.",
        "Asked of the controller leader, the only member whose orchestrator decides."})
final class ExplainCommand extends CtlSubcommand {

  @Parameters(paramLabel = "CLUSTER")
  String cluster;

  @Override
  void run(ControllerClient client) {
    show(client.getFromLeader(clusterPath(cluster) + "/explain").body(), Views::explain);
  }
}
