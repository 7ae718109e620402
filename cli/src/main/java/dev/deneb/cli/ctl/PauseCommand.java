package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;

@Command(name = "pause", mixinStandardHelpOptions = true,
    description = "Pause the cluster's workflows: no automatic failover, no workflow step, until resume.")
final class PauseCommand extends ClusterActionCommand {
  PauseCommand() {
    super("pause", "paused");
  }
}
