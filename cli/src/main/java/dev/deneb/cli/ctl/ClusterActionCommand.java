package dev.deneb.cli.ctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A {@code POST /v1/clusters/{c}/<action>} with an optional reason, answered by the cluster:
 * pause, resume, abort, and (with {@link Targeted}) failover and switchover.
 */
abstract class ClusterActionCommand extends CtlSubcommand {

  @Parameters(paramLabel = "CLUSTER")
  String cluster;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the history and for other operators.")
  String reason;

  private final String action;
  private final String done;

  /**
   * @param action the last path segment ({@code pause})
   * @param done what the table is headed with, before the cluster name ({@code paused})
   */
  ClusterActionCommand(String action, String done) {
    this.action = action;
    this.done = done;
  }

  /** The request body: {@code {"reason": ...}}, or none without a reason. */
  ObjectNode body() {
    return reason == null ? null : ControllerClient.object().put("reason", reason);
  }

  @Override
  final void run(ControllerClient client) {
    show(client.post(clusterPath(cluster) + "/" + action, body()), c -> done + " " + cluster + "\n\n" + Views.cluster(c));
  }

  /** An action that may name the node to promote ({@code --to}). */
  abstract static class Targeted extends ClusterActionCommand {

    @Option(names = "--to", paramLabel = "NODE", description = "The node to promote (default: the controller chooses the safest).")
    String to;

    Targeted(String action, String done) {
      super(action, done);
    }

    @Override
    ObjectNode body() {
      ObjectNode body = ControllerClient.object();
      if (to != null) body.put("to", to);
      if (reason != null) body.put("reason", reason);
      return body;
    }
  }
}
