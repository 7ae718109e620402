package dev.deneb.controller.config;

import dev.deneb.protocol.config.HostPort;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A validated controller.yaml (docs/controller-config.md). Built only by {@link ConfigLoader}. */
public record ControllerConfig(
    String id,
    Path dataDir,
    String group,
    List<Peer> peers,
    Raft raft,
    Api api,
    dev.deneb.controller.failover.PolicySettings failover,
    Optional<dev.deneb.controller.dns.DnsSettings> dns,
    List<dev.deneb.controller.dns.Rfc2136Settings> rfc2136,
    List<dev.deneb.controller.discovery.haproxy.HaproxySettings> haproxy,
    dev.deneb.controller.discovery.hook.HookSettings hooks,
    Optional<dev.deneb.controller.failover.SqlFencer.Access> databases) {

  /**
   * One member of the group, as every member's configuration names it. {@code agent} is where agents
   * connect (gRPC); a member without one serves no agents.
   */
  public record Peer(String id, HostPort raft, HostPort http, Optional<HostPort> agent) {}

  public record Raft(
      Duration electionTimeoutMin,
      Duration electionTimeoutMax,
      Duration requestTimeout,
      long snapshotThreshold,
      long segmentSizeBytes) {}

  public record Api(int maxRequestBytes, Duration maxWait) {}

  public Peer self() {
    return peer(id).orElseThrow();
  }

  public Optional<Peer> peer(String peerId) {
    return peers.stream().filter(p -> p.id().equals(peerId)).findFirst();
  }
}
