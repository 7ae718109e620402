package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;

@Command(name = "failover", mixinStandardHelpOptions = true,
    description = "Begin a manual failover: a new epoch is reserved and the current primary is ordered to fence.")
final class FailoverCommand extends ClusterActionCommand.Targeted {
  FailoverCommand() {
    super("failover", "failover begun on");
  }
}
