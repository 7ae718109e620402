package dev.deneb.cli.ctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "failover", mixinStandardHelpOptions = true,
    description = "Begin a manual failover: a new epoch is reserved and the current primary is ordered to fence.")
final class FailoverCommand extends CtlSubcommand {

  @Parameters(paramLabel = "CLUSTER")
  String cluster;

  @Option(names = "--to", paramLabel = "NODE", description = "The node to promote (default: the controller chooses).")
  String to;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the history and for other operators.")
  String reason;

  @Override
  void run(ControllerClient client) {
    ObjectNode body = ControllerClient.object();
    if (to != null) body.put("to", to);
    if (reason != null) body.put("reason", reason);
    show(client.post(clusterPath(cluster) + "/failover", body), c -> "failover begun on " + cluster + "\n\n" + Views.cluster(c));
  }
}
