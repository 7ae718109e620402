package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused cluster's workflows.")
final class ResumeCommand extends CtlSubcommand {

  @Parameters(paramLabel = "CLUSTER")
  String cluster;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the history and for other operators.")
  String reason;

  @Override
  void run(ControllerClient client) {
    show(client.post(clusterPath(cluster) + "/resume", PauseCommand.reasonBody(reason)),
        c -> "resumed " + cluster + "\n\n" + Views.cluster(c));
  }
}
