package dev.deneb.cli.ctl;

import picocli.CommandLine.Command;

@Command(name = "members", mixinStandardHelpOptions = true,
    description = "The controller group's members, each with its own role, term and applied index; * marks the leader.")
final class MembersCommand extends CtlSubcommand {

  @Override
  void run(ControllerClient client) {
    if (ctl.output == OutputFormat.JSON) {
      show(client.controller().body(), json -> "");
    } else {
      spec.commandLine().getOut().print(MembersView.render(client));
      spec.commandLine().getOut().flush();
    }
  }
}
