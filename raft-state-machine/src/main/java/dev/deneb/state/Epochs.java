package dev.deneb.state;

import static dev.deneb.state.Results.accepted;
import static dev.deneb.state.Results.refused;

import dev.deneb.protocol.BootstrapEpoch;
import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.CommandResult;
import dev.deneb.protocol.EpochRecord;
import dev.deneb.protocol.LeaseRenewal;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.RenewLeases;
import java.util.Optional;

/**
 * Epochs and the primary's lease. An epoch only grows and names exactly one primary; the history
 * keeps the newest {@code history_limit} of them.
 */
final class Epochs {
  private Epochs() {}

  static Applied bootstrap(DenebState state, BootstrapEpoch cmd, long atMillis) {
    Optional<ClusterRecord> found = state.cluster(cmd.getCluster());
    if (found.isEmpty()) return Membership.unknownCluster(state, cmd.getCluster());
    ClusterRecord cluster = found.get();
    if (cluster.getEpoch() != 0) {
      return Applied.unchanged(state, refused(Refusal.ALREADY_BOOTSTRAPPED, cluster.getEpoch(),
          "cluster '" + cluster.getName() + "' is at epoch " + cluster.getEpoch() + " with primary '"
              + cluster.getPrimary() + "'; use a switchover to change the primary"));
    }
    // The bootstrap names the primary the topology already has, so a must_not rule does not stop it.
    if (Nodes.find(cluster, cmd.getPrimary()).isEmpty()) {
      return Applied.unchanged(state, Nodes.unknownNode(cluster, cmd.getPrimary()));
    }
    String reason = cmd.getReason().isEmpty() ? "bootstrap" : cmd.getReason();
    // Above any epoch an earlier cluster of this name reached: agents remember those (S3).
    long first = state.retiredEpoch(cluster.getName()) + 1;
    ClusterRecord next = namePrimary(cluster, first, cmd.getPrimary(), reason, atMillis, "");
    return new Applied(state.with(next), accepted(first,
        "cluster '" + cluster.getName() + "' bootstrapped: epoch " + first + ", primary '" + cmd.getPrimary() + "'"));
  }

  /**
   * Sets the epoch and primary and records them in the bounded history. The single place where a
   * cluster's epoch changes, so "epochs only grow" has one guard.
   */
  static ClusterRecord namePrimary(ClusterRecord cluster, long epoch, String primary, String reason,
      long atMillis, String lostGtids) {
    if (epoch <= cluster.getEpoch()) {
      throw new IllegalStateException("epoch " + epoch + " does not exceed " + cluster.getEpoch()
          + " of cluster '" + cluster.getName() + "'");
    }
    EpochRecord record = EpochRecord.newBuilder()
        .setEpoch(epoch).setPrimary(primary).setReason(reason).setAtMillis(atMillis).setLostGtids(lostGtids).build();
    ClusterRecord.Builder b = cluster.toBuilder().setEpoch(epoch).setPrimary(primary).addHistory(record);
    return boundHistory(b).build();
  }

  /** Drops the oldest history entries beyond the cluster's {@code history_limit}. */
  static ClusterRecord.Builder boundHistory(ClusterRecord.Builder b) {
    int excess = b.getHistoryCount() - b.getSettings().getHistoryLimit();
    if (excess > 0) {
      var kept = b.getHistoryList().subList(excess, b.getHistoryCount());
      b.clearHistory().addAllHistory(java.util.List.copyOf(kept));
    }
    return b;
  }

  /**
   * Legacy: a batch of renewals from a log written before leases left the log (docs/lease.md). Each
   * is judged by {@link Leases#judge}; nothing in the replicated state changes.
   */
  static Applied renew(DenebState state, RenewLeases cmd) {
    CommandResult.Builder result = CommandResult.newBuilder().setAccepted(true);
    int accepted = 0;
    for (LeaseRenewal r : cmd.getRenewalsList()) {
      Refusal refusal = Leases.judge(state, r.getCluster(), r.getNode(), r.getEpoch());
      if (refusal == Refusal.REFUSAL_UNSPECIFIED) accepted++;
      result.addRenewalRefusals(refusal);
    }
    result.setMessage(accepted + " of " + cmd.getRenewalsCount() + " renewals accepted");
    return Applied.unchanged(state, result.build());
  }
}
