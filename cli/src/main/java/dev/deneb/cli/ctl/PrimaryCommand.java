package dev.deneb.cli.ctl;

import dev.deneb.cli.Durations;
import java.time.Duration;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "primary", mixinStandardHelpOptions = true,
    description = "The cluster's primary and epoch: linearizable by default; --wait/--after to wait for a newer epoch.")
final class PrimaryCommand extends CtlSubcommand {

  @Parameters(paramLabel = "CLUSTER")
  String cluster;

  @Option(names = "--stale", description = "Answer from the asked member's applied state (may lag the leader).")
  boolean stale;

  @ArgGroup(exclusive = false)
  LongPoll longPoll;

  /** Both or neither: the API holds the answer until the epoch exceeds --after or --wait passes. */
  static final class LongPoll {
    @Option(names = "--wait", required = true, paramLabel = "DURATION", description = "Wait at most this long, e.g. 30s.")
    Duration wait;

    @Option(names = "--after", required = true, paramLabel = "EPOCH", description = "Answer as soon as the epoch exceeds this.")
    long after;
  }

  @Override
  void run(ControllerClient client) {
    StringBuilder query = new StringBuilder();
    if (stale) {
      query.append("&stale=true");
    }
    Duration timeout = ControllerClient.REQUEST_TIMEOUT;
    if (longPoll != null) {
      query.append("&wait=").append(Durations.format(longPoll.wait)).append("&after=").append(longPoll.after);
      timeout = timeout.plus(longPoll.wait);
    }
    String path = clusterPath(cluster) + "/primary" + (query.isEmpty() ? "" : "?" + query.substring(1));
    show(client.get(path, timeout).body(), Views::primary);
  }
}
