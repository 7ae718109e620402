package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;

@Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused cluster's workflows.")
final class ResumeCommand extends ClusterActionCommand {
  ResumeCommand() {
    super("resume", "resumed");
  }
}
