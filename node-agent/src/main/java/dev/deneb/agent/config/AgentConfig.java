package dev.deneb.agent.config;

import dev.deneb.protocol.config.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A validated agent.yaml (docs/agent-config.md). Built only by {@link AgentConfigLoader}. */
public record AgentConfig(
    String cluster,
    String node,
    List<HostPort> controllers,
    Database database,
    Path stateDir,
    Lease lease,
    Duration reportInterval) {

  /** How the agent reaches its own database. The password is never logged. */
  public record Database(HostPort address, String user, String password, Duration connectTimeout,
      Duration socketTimeout) {
    @Override
    public String toString() {
      return user + "@" + address + " (connect " + connectTimeout.toMillis() + " ms, socket " + socketTimeout.toMillis() + " ms)";
    }
  }

  /** DESIGN §3.2: the TTL itself comes from the cluster's settings, through the controller. */
  public record Lease(Duration renewInterval, Duration fenceLead, double drift) {}
}
