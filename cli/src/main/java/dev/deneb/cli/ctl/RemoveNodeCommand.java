package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "remove-node", mixinStandardHelpOptions = true, description = "Remove a node from a cluster (not its primary).")
final class RemoveNodeCommand extends CtlSubcommand {

  @Parameters(index = "0", paramLabel = "CLUSTER")
  String cluster;

  @Parameters(index = "1", paramLabel = "NODE")
  String node;

  @Override
  void run(ControllerClient client) {
    show(client.delete(clusterPath(cluster) + "/nodes/" + ControllerClient.segment(node)),
        c -> "removed node " + node + " from " + cluster + "\n\n" + Views.cluster(c));
  }
}
