package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bootstrap", mixinStandardHelpOptions = true,
    description = "Commit epoch 1 of a cluster, naming its first primary.")
final class BootstrapCommand extends CtlSubcommand {

  @Parameters(paramLabel = "CLUSTER")
  String cluster;

  @Option(names = "--primary", required = true, paramLabel = "NODE", description = "The node that is primary now.")
  String primary;

  @Override
  void run(ControllerClient client) {
    show(client.post(clusterPath(cluster) + "/bootstrap", ControllerClient.object().put("primary", primary)),
        p -> "bootstrapped " + Views.primary(p));
  }
}
