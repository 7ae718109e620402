package dev.deneb.state;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.LeaseRenewal;
import dev.deneb.protocol.Refusal;
import dev.deneb.protocol.WorkflowStep;

/**
 * The expected verdict on one lease renewal, written from DESIGN §3.2.2 and §3.4 independently of
 * {@code Epochs}: a renewal is accepted only for the cluster's current epoch, from the primary that
 * epoch names, and not while a workflow is replacing that primary (from BEGUN until the new epoch is
 * committed at CANDIDATE_CHOSEN; from then on the current epoch names the new primary, who needs its
 * lease to be promoted).
 */
final class RenewalOracle {
  private RenewalOracle() {}

  static Refusal expected(DenebState state, LeaseRenewal r) {
    ClusterRecord c = state.clusters().get(r.getCluster());
    if (c == null) return Refusal.UNKNOWN_CLUSTER;
    if (c.getEpoch() == 0) return Refusal.NOT_BOOTSTRAPPED;
    if (r.getEpoch() < c.getEpoch()) return Refusal.STALE_EPOCH;
    if (r.getEpoch() > c.getEpoch()) return Refusal.INVALID_ARGUMENT; // an epoch the log never committed
    if (!r.getNode().equals(c.getPrimary())) return Refusal.NOT_PRIMARY;
    boolean replacingThisPrimary = c.hasWorkflow()
        && c.getWorkflow().getStep().getNumber() < WorkflowStep.CANDIDATE_CHOSEN_VALUE;
    if (replacingThisPrimary) return Refusal.WORKFLOW_IN_FLIGHT;
    return Refusal.REFUSAL_UNSPECIFIED;
  }
}
