package dev.deneb.state;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.StateSnapshot;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.pcollections.TreePMap;

/**
 * The whole replicated state: every managed cluster by name. Immutable — applying a command
 * yields a new value — so readers (HTTP, DNS, metrics, snapshots) can hold a reference without
 * locks, and tests can compare whole states with {@code equals}.
 *
 * <p>Cluster records are Protobuf messages: immutable, value-equal, and already the snapshot form.
 *
 * <p>The maps are persistent ({@link TreePMap}): a new value shares all but one path of the old one, so
 * applying a command costs O(log n) in the number of clusters. They were copied {@code TreeMap}s, and at
 * 10,000 clusters that copy (twice per command) took most of the applier thread: creating clusters
 * slowed as the fleet grew, and every epoch change of a failover paid for every other cluster.
 */
public record DenebState(SortedMap<String, ClusterRecord> clusters, SortedMap<String, Long> retiredEpochs) {

  public static final DenebState EMPTY = new DenebState(new TreeMap<>());

  public DenebState {
    clusters = persistent(clusters);
    retiredEpochs = persistent(retiredEpochs);
  }

  /**
   * Unmodifiable and in name order as before; a persistent map (only this class makes them, always in
   * name order) is kept, not copied.
   */
  private static <V> TreePMap<String, V> persistent(SortedMap<String, V> map) {
    return map instanceof TreePMap<String, V> p ? p : TreePMap.from(map);
  }

  public DenebState(SortedMap<String, ClusterRecord> clusters) {
    this(clusters, new TreeMap<>());
  }

  /** The last epoch a deleted cluster of this name reached, or 0: a re-created one starts above it. */
  public long retiredEpoch(String name) {
    return retiredEpochs.getOrDefault(name, 0L);
  }

  public Optional<ClusterRecord> cluster(String name) {
    return Optional.ofNullable(clusters.get(name));
  }

  DenebState with(ClusterRecord cluster) {
    return new DenebState(((TreePMap<String, ClusterRecord>) clusters).plus(cluster.getName(), cluster), retiredEpochs);
  }

  DenebState without(String name) {
    ClusterRecord gone = clusters.get(name);
    TreePMap<String, Long> retired = (TreePMap<String, Long>) retiredEpochs;
    if (gone != null && gone.getEpoch() > retiredEpoch(name)) retired = retired.plus(name, gone.getEpoch());
    return new DenebState(((TreePMap<String, ClusterRecord>) clusters).minus(name), retired);
  }

  public StateSnapshot toSnapshot() {
    return StateSnapshot.newBuilder().addAllClusters(clusters.values()).putAllRetiredEpochs(retiredEpochs).build();
  }

  public static DenebState fromSnapshot(StateSnapshot snapshot) {
    TreeMap<String, ClusterRecord> clusters = new TreeMap<>();
    for (ClusterRecord c : snapshot.getClustersList()) {
      if (clusters.put(c.getName(), c) != null) {
        throw new IllegalArgumentException("snapshot holds cluster '" + c.getName() + "' twice");
      }
    }
    return new DenebState(clusters, new TreeMap<>(snapshot.getRetiredEpochsMap()));
  }
}
