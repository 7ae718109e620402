package dev.deneb.cli.ctl;

import dev.deneb.cli.VerboseOption;
import java.net.URI;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** {@code deneb ctl}: the operator's view of the controller group, over its HTTP API. */
@Command(name = "ctl", mixinStandardHelpOptions = true,
    description = "Query and change managed clusters through the controller group's HTTP API.",
    subcommands = {StatusCommand.class, CreateCommand.class, AddNodeCommand.class, RemoveNodeCommand.class,
        BootstrapCommand.class, PrimaryCommand.class, HistoryCommand.class, PauseCommand.class,
        ResumeCommand.class, MembersCommand.class, FailoverCommand.class, SwitchoverCommand.class, AbortCommand.class,
        ExplainCommand.class})
public final class CtlCommand implements Runnable {

  @Option(names = "--endpoints", split = ",", paramLabel = "URL[,URL...]", hideParamSyntax = true, scope = ScopeType.INHERIT,
      converter = Endpoints.Converter.class,
      description = "Controller HTTP endpoints, tried in turn. Default: $" + Endpoints.ENV + ", else " + Endpoints.DEFAULT + ".")
  List<URI> endpoints;

  @Option(names = {"-o", "--output"}, paramLabel = "table|json", defaultValue = "table", scope = ScopeType.INHERIT,
      description = "table (default) or json: the server's JSON, pretty-printed, for scripts.")
  OutputFormat output;

  @Mixin VerboseOption verbose;
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(),
        "Missing subcommand: status, create, add-node, remove-node, bootstrap, primary, history, pause, resume, members, "
            + "failover, switchover, abort or explain");
  }

  ControllerClient client() {
    return new ControllerClient(Endpoints.resolve(endpoints, System.getenv()));
  }
}
