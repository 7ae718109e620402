package dev.deneb.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** A {@code deneb ctl} subcommand: one API call, printed as a table or as the server's JSON. */
abstract class CtlSubcommand implements Callable<Integer> {

  @ParentCommand CtlCommand ctl;
  @Spec CommandSpec spec;

  @Override
  public final Integer call() {
    run(ctl.client());
    return 0;
  }

  abstract void run(ControllerClient client);

  /** Prints {@code json} pretty-printed with {@code -o json}, else {@code table.apply(json)}. */
  void show(JsonNode json, Function<JsonNode, String> table) {
    PrintWriter out = spec.commandLine().getOut();
    out.print(ctl.output == OutputFormat.JSON ? ControllerClient.pretty(json) + "\n" : table.apply(json));
    out.flush();
  }

  static String clusterPath(String cluster) {
    return "/v1/clusters/" + ControllerClient.segment(cluster);
  }
}
