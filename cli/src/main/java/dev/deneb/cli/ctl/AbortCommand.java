package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;

@Command(name = "abort", mixinStandardHelpOptions = true,
    description = "End the workflow in flight. Before a candidate was chosen, the old primary keeps its role under the new epoch.")
final class AbortCommand extends ClusterActionCommand {
  AbortCommand() {
    super("abort", "workflow aborted on");
  }
}
