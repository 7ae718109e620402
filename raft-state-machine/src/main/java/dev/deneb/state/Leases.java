package dev.deneb.state;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.Refusal;
import java.util.Optional;

/**
 * The lease rule every controller member applies to a renewal round, from its own applied state
 * (DESIGN §3.9, docs/lease.md). Renewals never touch the log: each member answers from the newest
 * state it has applied, and the agent holds its lease only while a majority answered yes.
 *
 * <p>Pure, and the one place the rule lives: the state machine's legacy {@code RenewLeases} apply,
 * the members' grant tables and the lease model check all call it.
 */
public final class Leases {
  private Leases() {}

  /**
   * Whether a member whose applied state is {@code state} grants {@code node}'s renewal for
   * {@code epoch}: only for the cluster's current epoch, from its primary, while no workflow has begun
   * to replace it. A workflow replaces the primary of the epoch it was begun in until CANDIDATE_CHOSEN;
   * from then on the current epoch names the new primary, which must be able to take its lease before
   * PROMOTED (DESIGN §3.4).
   *
   * <p>Once refused for {@code (node, epoch)}, always refused: epochs only grow, and a workflow whose
   * target is above the epoch ends only by moving the epoch past it (completion or abort both commit
   * the target epoch). The controllers' lapse rule relies on this ("closed" stays closed).
   *
   * @return {@link Refusal#REFUSAL_UNSPECIFIED} when granted
   */
  public static Refusal judge(DenebState state, String cluster, String node, long epoch) {
    Optional<ClusterRecord> found = state.cluster(cluster);
    if (found.isEmpty()) return Refusal.UNKNOWN_CLUSTER;
    ClusterRecord c = found.get();
    if (c.getEpoch() == 0) return Refusal.NOT_BOOTSTRAPPED;
    if (epoch < c.getEpoch()) return Refusal.STALE_EPOCH;
    if (epoch > c.getEpoch()) return Refusal.INVALID_ARGUMENT;
    if (!c.getPrimary().equals(node)) return Refusal.NOT_PRIMARY;
    if (replacing(c)) return Refusal.WORKFLOW_IN_FLIGHT;
    if (Nodes.find(c, node).isEmpty()) return Refusal.UNKNOWN_NODE;
    return Refusal.REFUSAL_UNSPECIFIED;
  }

  /**
   * Whether a member whose applied state is {@code state} will never again grant {@code node}'s
   * renewals for {@code epoch}: its applied epoch is past it, or at it with a workflow replacing the
   * node (or naming another). A member that has not applied {@code epoch} yet is not closed: it may
   * still learn it and grant.
   */
  public static boolean closed(DenebState state, String cluster, String node, long epoch) {
    Optional<ClusterRecord> found = state.cluster(cluster);
    if (found.isEmpty()) return false;
    ClusterRecord c = found.get();
    return c.getEpoch() > epoch || (c.getEpoch() == epoch && (replacing(c) || !c.getPrimary().equals(node)));
  }

  /** A workflow has begun to replace the current epoch's primary (and CANDIDATE_CHOSEN is not reached). */
  public static boolean replacing(ClusterRecord c) {
    return c.hasWorkflow() && c.getWorkflow().getTargetEpoch() > c.getEpoch();
  }

  /**
   * The node whose lease the cluster's safety hangs on: the primary being replaced while a workflow
   * has not yet chosen its candidate, else the current primary.
   */
  public static String holder(ClusterRecord c) {
    return replacing(c) ? c.getWorkflow().getFrom() : c.getPrimary();
  }
}
