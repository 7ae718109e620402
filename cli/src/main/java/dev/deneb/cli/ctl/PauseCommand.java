package dev.deneb.cli.ctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pause", mixinStandardHelpOptions = true,
    description = "Pause the cluster's workflows: no automatic failover, no workflow step, until resume.")
final class PauseCommand extends CtlSubcommand {

  @Parameters(paramLabel = "CLUSTER")
  String cluster;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the history and for other operators.")
  String reason;

  @Override
  void run(ControllerClient client) {
    show(client.post(clusterPath(cluster) + "/pause", reasonBody(reason)), c -> "paused " + cluster + "\n\n" + Views.cluster(c));
  }

  /** The optional {@code {"reason": ...}} body of pause and resume; null sends no body. */
  static ObjectNode reasonBody(String reason) {
    return reason == null ? null : ControllerClient.object().put("reason", reason);
  }
}
