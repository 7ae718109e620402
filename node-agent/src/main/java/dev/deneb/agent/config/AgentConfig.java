package dev.deneb.agent.config;

import dev.deneb.protocol.config.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A validated agent.yaml (docs/agent-config.md). Built only by {@link AgentConfigLoader}. */
public record AgentConfig(
    String cluster,
    String node,
    List<HostPort> controllers,
    Database database,
    Path stateDir,
    Lease lease,
    Duration reportInterval,
    Duration reportHeartbeat,
    Fencing fencing,
    Optional<Replication> replication,
    Optional<Peer> peer) {

  /**
   * Where this agent takes failsafe promise requests from the other nodes' agents (docs/lease.md
   * "Failsafe"). Absent: this node gives no promises, so its primary gets no failsafe hold and fences
   * on the normal schedule when no controller majority answers.
   *
   * @param listen the address the agent binds
   * @param advertise the address the other agents dial (announced to the controllers)
   */
  public record Peer(HostPort listen, HostPort advertise) {
    @Override
    public String toString() {
      return listen.equals(advertise) ? listen.toString() : listen + " (advertised as " + advertise + ")";
    }
  }

  /**
   * The account replicas log in to their source with, for replicate directives (DESIGN §3.4
   * REPOINTED). Absent: this agent can only confirm that its server already replicates from the
   * right place, never point it elsewhere.
   */
  public record Replication(String user, String password, boolean tls, Duration connectRetry) {
    @Override
    public String toString() {
      return user + " (tls " + tls + ", connectRetry " + connectRetry.toSeconds() + " s)";
    }
  }

  /**
   * How the agent reaches its own database. The password is never logged.
   *
   * @param pidFile the server's pid file (absolute), for the SIGKILL rung of the fencing ladder;
   *     empty when the agent must not signal the server
   */
  public record Database(HostPort address, String user, String password, Duration connectTimeout,
      Duration socketTimeout, Optional<Path> pidFile) {
    @Override
    public String toString() {
      return user + "@" + address + " (connect " + connectTimeout.toMillis() + " ms, socket " + socketTimeout.toMillis() + " ms)";
    }
  }

  /**
   * The escalation rungs of the fencing ladder (DESIGN §3.2 step 4), used when the SQL fence is not
   * confirmed.
   *
   * @param stonithCommand the STONITH hook: the program and its arguments; empty when there is none
   * @param stonithTimeout how long the hook may run before it is killed and counted as failed
   * @param killTimeout how long a SIGKILLed server may take to disappear before the rung fails
   */
  public record Fencing(List<String> stonithCommand, Duration stonithTimeout, Duration killTimeout) {
    public Fencing {
      stonithCommand = List.copyOf(stonithCommand);
    }
  }

  /** DESIGN §3.2: the TTL itself comes from the cluster's settings, through the controller. */
  public record Lease(Duration renewInterval, Duration fenceLead, double drift) {}
}
