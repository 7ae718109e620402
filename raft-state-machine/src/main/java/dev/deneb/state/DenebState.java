package dev.deneb.state;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.StateSnapshot;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The whole replicated state: every managed cluster by name. Immutable — applying a command
 * yields a new value — so readers (HTTP, DNS, metrics, snapshots) can hold a reference without
 * locks, and tests can compare whole states with {@code equals}.
 *
 * <p>Cluster records are Protobuf messages: immutable, value-equal, and already the snapshot form.
 */
public record DenebState(SortedMap<String, ClusterRecord> clusters, SortedMap<String, Long> retiredEpochs) {

  public static final DenebState EMPTY = new DenebState(new TreeMap<>());

  public DenebState {
    clusters = Collections.unmodifiableSortedMap(new TreeMap<>(clusters));
    retiredEpochs = Collections.unmodifiableSortedMap(new TreeMap<>(retiredEpochs));
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
    TreeMap<String, ClusterRecord> next = new TreeMap<>(clusters);
    next.put(cluster.getName(), cluster);
    return new DenebState(next, retiredEpochs);
  }

  DenebState without(String name) {
    TreeMap<String, ClusterRecord> next = new TreeMap<>(clusters);
    ClusterRecord gone = next.remove(name);
    TreeMap<String, Long> retired = new TreeMap<>(retiredEpochs);
    if (gone != null && gone.getEpoch() > retiredEpoch(name)) retired.put(name, gone.getEpoch());
    return new DenebState(next, retired);
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
