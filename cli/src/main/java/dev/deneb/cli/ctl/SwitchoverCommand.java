package dev.deneb.cli.ctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "switchover", mixinStandardHelpOptions = true,
    description = {"Begin a planned switchover: the primary is fenced, the target catches up to its final position, "
        + "then is promoted at a new epoch; no acknowledged write is lost.",
        "Returns once the workflow is begun; follow it with 'deneb ctl status CLUSTER' or 'deneb ctl explain CLUSTER'."})
final class SwitchoverCommand extends CtlSubcommand {

  @Parameters(paramLabel = "CLUSTER")
  String cluster;

  @Option(names = "--to", paramLabel = "NODE", description = "The replica to promote (default: the controller chooses the safest).")
  String to;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the history and for other operators.")
  String reason;

  @Override
  void run(ControllerClient client) {
    ObjectNode body = ControllerClient.object();
    if (to != null) body.put("to", to);
    if (reason != null) body.put("reason", reason);
    show(client.post(clusterPath(cluster) + "/switchover", body), c -> "switchover begun on " + cluster + "\n\n" + Views.cluster(c));
  }
}
