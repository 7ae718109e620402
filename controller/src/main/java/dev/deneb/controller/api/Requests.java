package dev.deneb.controller.api;

import java.util.List;

/** Request bodies of docs/api.md. Absent optional fields are null; unknown fields are refused. */
final class Requests {
  private Requests() {}

  record CreateCluster(String name, String durability, Long leaseTtlMs, Boolean autoFailover, Long cooldownMs,
      List<String> dnsNames, Integer historyLimit, Long semiSyncTimeoutMs, Boolean failsafe) {}

  /** {@code replicationAddress}: "host:port" replicas use to reach the node, when not host:port. */
  record AddNode(String node, String host, Integer port, String promotionRule, String replicationAddress) {}

  record Bootstrap(String primary, String reason) {}

  record Reason(String reason) {}

  record Failover(String to, String reason) {}
}
