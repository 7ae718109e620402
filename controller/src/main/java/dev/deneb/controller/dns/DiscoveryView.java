package dev.deneb.controller.dns;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.WorkflowStep;
import dev.deneb.state.DenebState;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the built-in DNS server may say, per cluster: an immutable snapshot derived from the
 * replicated state after each apply (STYLE 12), so the DNS threads never read live state.
 *
 * <p>The rule is S2 of DESIGN: DNS never names a node that is not the primary of the latest
 * committed epoch once promoted. The cluster's {@code primary} is answerable when no workflow runs,
 * or while a workflow is at BEGUN or FENCED (its new epoch is not committed yet, so the old primary
 * is still the latest committed epoch's primary), or from PROMOTED on. At CANDIDATE_CHOSEN the new
 * epoch is committed but its primary is not promoted yet: no node is answerable (NODATA).
 *
 * @param clusters every cluster by name
 * @param zoneSerial the SOA serial of the zone apex: the sum, over every cluster name ever used, of
 *     its current epoch or, once deleted, its retired epoch. Each term only grows (epochs never go
 *     back, and a re-created cluster starts above its retired epoch), so the sum is monotonic.
 */
public record DiscoveryView(SortedMap<String, Entry> clusters, long zoneSerial) {

  public static final DiscoveryView EMPTY = new DiscoveryView(new TreeMap<>(), 0);

  public DiscoveryView {
    clusters = Collections.unmodifiableSortedMap(new TreeMap<>(clusters));
  }

  /**
   * One cluster: its latest committed epoch and that epoch's primary ({@code node}, empty at epoch
   * 0), and the address DNS may give, empty when none is answerable.
   */
  public record Entry(String cluster, long epoch, String node, Optional<Endpoint> endpoint) {}

  /** A database node's address as its NodeRecord gives it: an IPv4 or IPv6 literal, or a host name. */
  public record Endpoint(String host, int port) {}

  public Optional<Entry> cluster(String name) {
    return Optional.ofNullable(clusters.get(name));
  }

  /** Pure: the same state always gives an equal view. */
  public static DiscoveryView from(DenebState state) {
    TreeMap<String, Entry> entries = new TreeMap<>();
    TreeMap<String, Long> serialTerms = new TreeMap<>(state.retiredEpochs());
    for (ClusterRecord c : state.clusters().values()) {
      entries.put(c.getName(), entry(c));
      serialTerms.merge(c.getName(), c.getEpoch(), Math::max);
    }
    long serial = serialTerms.values().stream().mapToLong(Long::longValue).sum();
    return new DiscoveryView(entries, serial);
  }

  private static Entry entry(ClusterRecord c) {
    if (c.getEpoch() == 0 || c.getPrimary().isEmpty()) {
      return new Entry(c.getName(), c.getEpoch(), c.getPrimary(), Optional.empty());
    }
    Optional<Endpoint> endpoint = answerable(c)
        ? c.getNodesList().stream().filter(n -> n.getNode().equals(c.getPrimary())).findFirst().map(DiscoveryView::endpoint)
        : Optional.empty();
    return new Entry(c.getName(), c.getEpoch(), c.getPrimary(), endpoint);
  }

  private static boolean answerable(ClusterRecord c) {
    if (!c.hasWorkflow()) return true;
    WorkflowStep step = c.getWorkflow().getStep();
    return switch (step) {
      // The new epoch is not committed yet: the primary named is still the latest committed one's.
      case BEGUN, FENCED -> true;
      // New epoch committed, its primary not promoted: nobody may be named (S2).
      case CANDIDATE_CHOSEN -> false;
      case PROMOTED, DISCOVERY_PUBLISHED, REPOINTED -> true;
      // A step this code does not know: saying nothing is the safe side of S2.
      case WORKFLOW_STEP_UNSPECIFIED, UNRECOGNIZED -> false;
    };
  }

  private static Endpoint endpoint(NodeRecord n) {
    return new Endpoint(n.getHost(), n.getPort());
  }
}
