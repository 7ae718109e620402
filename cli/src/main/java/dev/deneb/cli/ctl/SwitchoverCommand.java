package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;

@Command(name = "switchover", mixinStandardHelpOptions = true,
    description = {"Begin a planned switchover: the primary is fenced, the target catches up to its final position, "
        + "then is promoted at a new epoch; no acknowledged write is lost.",
        "Returns once the workflow is begun; follow it with 'deneb ctl status CLUSTER' or 'deneb ctl explain CLUSTER'."})
final class SwitchoverCommand extends ClusterActionCommand.Targeted {
  SwitchoverCommand() {
    super("switchover", "switchover begun on");
  }
}
