package dev.deneb.cli.ctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "create", mixinStandardHelpOptions = true,
    description = "Create a managed cluster; settings not given take the controller's defaults.")
final class CreateCommand extends CtlSubcommand {

  @Parameters(paramLabel = "NAME", description = "The cluster's name, e.g. orders.")
  String name;

  @Option(names = "--durability", paramLabel = "async|semi-sync", converter = Durability.Converter.class,
      description = "async (default) or semi-sync: whether a failover may lose acknowledged writes.")
  Durability durability;

  @Option(names = "--lease-ttl", paramLabel = "DURATION", description = "The primary's lease, e.g. 3s (default 3s).")
  Duration leaseTtl;

  @Option(names = "--cooldown", paramLabel = "DURATION", description = "No automatic failover this long after the last one, e.g. 5m (default 5m).")
  Duration cooldown;

  @Option(names = "--no-auto-failover", description = "Fail over only when an operator asks.")
  boolean noAutoFailover;

  @Option(names = "--no-failsafe", description = "The primary fences at lease end when no controller majority answers,"
      + " even while every replica would vouch for it (failsafe is on by default; docs/lease.md).")
  boolean noFailsafe;

  @Override
  void run(ControllerClient client) {
    ObjectNode body = ControllerClient.object().put("name", name);
    if (durability != null) {
      body.put("durability", durability.wire);
    }
    if (leaseTtl != null) {
      body.put("leaseTtlMs", leaseTtl.toMillis());
    }
    if (cooldown != null) {
      body.put("cooldownMs", cooldown.toMillis());
    }
    if (noAutoFailover) {
      body.put("autoFailover", false);
    }
    if (noFailsafe) {
      body.put("failsafe", false);
    }
    show(client.post("/v1/clusters", body), c -> "created cluster " + name + "\n\n" + Views.cluster(c));
  }
}
