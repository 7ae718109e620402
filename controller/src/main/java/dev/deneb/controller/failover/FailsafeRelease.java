package dev.deneb.controller.failover;

import dev.deneb.protocol.ClusterRecord;
import dev.deneb.protocol.NodeRecord;
import dev.deneb.protocol.WorkflowRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The controllers' half of failsafe (docs/lease.md "Failsafe"): before a workflow may count the old
 * primary as fenced without its own acknowledgement (by its lease lapsing, or over SQL, which its
 * agent could undo while it holds), no failsafe hold of that primary may still run.
 *
 * <p>A hold needs, in one round, a promise from every other node of a membership some
 * majority-granted lease round of the epoch confirmed. A <b>witness</b> is a node in every such
 * membership; one witness reporting itself released (it saw the replacement begin, will promise
 * nothing for the epoch again, and its promises ran out) proves every hold over. Witnesses:
 * <ul>
 *   <li>a node registered before the epoch began and present since (registration order
 *       {@code registered_in_epoch} below it): every grant of the epoch named it;
 *   <li>while no node was removed during the epoch, the first other node in registration order: the
 *       memberships only grew, so each non-empty one contains it.
 * </ul>
 * A cluster with no other node needs nothing (a lone primary never holds by promises). Pure.
 */
public final class FailsafeRelease {
  private FailsafeRelease() {}

  /** The cluster's failsafe setting: on unless turned off. */
  public static boolean enabled(ClusterRecord c) {
    return !c.getSettings().hasFailsafe() || c.getSettings().getFailsafe();
  }

  /**
   * Empty when no failsafe hold of {@code w}'s old primary can still run; else what the workflow
   * waits for, in words.
   */
  public static Optional<String> pending(ClusterRecord c, WorkflowRecord w, Evidence e) {
    if (!enabled(c)) return Optional.empty();
    long epoch = w.getTargetEpoch() - 1;
    List<NodeRecord> others = c.getNodesList().stream().filter(n -> !n.getNode().equals(w.getFrom())).toList();
    if (others.isEmpty()) return Optional.empty();
    List<String> witnesses = witnesses(others, epoch, c.getLastRemovalEpoch() < epoch);
    if (witnesses.isEmpty()) {
      return Optional.of("no node is known to be in every membership " + w.getFrom() + "'s lease of epoch " + epoch
          + " confirmed (nodes were removed and added during the epoch), so nothing can prove a failsafe hold over:"
          + " waiting for " + w.getFrom() + "'s agent to confirm the fence (or turn failsafe off for " + c.getName() + ")");
    }
    List<String> status = new ArrayList<>();
    for (String node : witnesses) {
      NodeView v = e.node(node);
      if (v.reported() && v.report().getFailsafeReleasedThrough() >= epoch) return Optional.empty();
      status.add(node + (!v.reported() ? " (no report)" : v.report().getPromiseBindsMillis() > 0
          ? " (" + v.report().getPromiseBinding() + ")" : " (released through epoch "
          + v.report().getFailsafeReleasedThrough() + ")"));
    }
    return Optional.of("waiting for a node to report itself released from failsafe promises for epoch " + epoch
        + ", so no hold of " + w.getFrom() + " can still run: " + String.join(", ", status));
  }

  static List<String> witnesses(List<NodeRecord> others, long epoch, boolean noRemovalDuringEpoch) {
    List<String> out = new ArrayList<>();
    for (NodeRecord n : others) {
      if (n.getRegisteredInEpoch() < epoch) out.add(n.getNode());
    }
    if (noRemovalDuringEpoch && !out.contains(others.get(0).getNode())) out.add(others.get(0).getNode());
    return out;
  }
}
