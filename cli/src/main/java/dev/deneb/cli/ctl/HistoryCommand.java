package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "history", mixinStandardHelpOptions = true,
    description = "The cluster's epochs: who was primary, why, when, and any GTIDs lost.")
final class HistoryCommand extends CtlSubcommand {

  @Parameters(paramLabel = "CLUSTER")
  String cluster;

  @Override
  void run(ControllerClient client) {
    show(client.get(clusterPath(cluster) + "/history"), Views::history);
  }
}
