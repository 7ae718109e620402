package dev.deneb.cli.ctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deneb.protocol.config.HostPort;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "add-node", mixinStandardHelpOptions = true, description = "Register a database node with a cluster.")
final class AddNodeCommand extends CtlSubcommand {

  @Parameters(index = "0", paramLabel = "CLUSTER")
  String cluster;

  @Parameters(index = "1", paramLabel = "NODE", description = "The node's name, e.g. db1.")
  String node;

  @Parameters(index = "2", paramLabel = "HOST:PORT", description = "Where its database listens, e.g. 10.0.0.5:3306.")
  HostPort address;

  @Option(names = "--promotion-rule", paramLabel = "prefer|neutral|must_not",
      description = "Whether it may become primary (default neutral).")
  PromotionRule promotionRule;

  @Override
  void run(ControllerClient client) {
    ObjectNode body = ControllerClient.object()
        .put("node", node)
        .put("host", address.host())
        .put("port", address.port());
    if (promotionRule != null) {
      body.put("promotionRule", promotionRule.wire());
    }
    show(client.post(clusterPath(cluster) + "/nodes", body),
        c -> "added node " + node + " (" + address + ") to " + cluster + "\n\n" + Views.cluster(c));
  }
}
