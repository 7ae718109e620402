package dev.deneb.controller.discovery;

import java.util.Optional;

/**
 * What a discovery backend must publish: the primary of {@code epoch}, replacing the primary of
 * {@code previousEpoch} (0 when there was none).
 *
 * @param cluster the managed cluster's name, e.g. "shop"
 * @param dnsNames the cluster's DNS names from its settings (may be empty: then backends use
 *     {@code <cluster>.<zone>})
 */
public record Publication(String cluster, long epoch, long previousEpoch, Endpoint primary,
    Optional<Endpoint> previous, java.util.List<String> dnsNames) {

  /** A database node: its name in the cluster and the address clients use. */
  public record Endpoint(String node, String host, int port) {}
}
