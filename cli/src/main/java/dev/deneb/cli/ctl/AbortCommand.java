package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "abort", mixinStandardHelpOptions = true,
    description = "End the workflow in flight. Before a candidate was chosen, the old primary keeps its role under the new epoch.")
final class AbortCommand extends CtlSubcommand {

  @Parameters(paramLabel = "CLUSTER")
  String cluster;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the history and for other operators.")
  String reason;

  @Override
  void run(ControllerClient client) {
    show(client.post(clusterPath(cluster) + "/abort", PauseCommand.reasonBody(reason)),
        c -> "workflow aborted on " + cluster + "\n\n" + Views.cluster(c));
  }
}
