package dev.deneb.agent.directive;

import java.util.Optional;

/**
 * Which epoch's primary this node last attached to by a replicate order, so that a detach order
 * arriving late is not obeyed. Every controller member sends the orders its own applied state
 * implies, so a member that applies the log late (paused, slow link) can deliver the detach of epoch
 * e after another member's replicate of epoch e was carried out; obeying it would stop the receiver
 * from the new primary, and no order would attach it again. Owned by one thread (the agent's fencer).
 */
public final class Attachment {
  private long attachedEpoch;

  /** A replicate order of {@code epoch} was carried out: this node receives from that epoch's primary. */
  public void attached(long epoch) {
    attachedEpoch = Math.max(attachedEpoch, epoch);
  }

  /**
   * Why a detach order of {@code epoch} must not be carried out, if it must not: it detaches from
   * the primary that epoch replaces, and this node already attached to that epoch's primary (or a
   * newer one's).
   */
  public Optional<String> lateDetach(long epoch) {
    if (epoch > attachedEpoch) return Optional.empty();
    return Optional.of("not detached: a late order of epoch " + epoch + "; this node already replicates from the primary of epoch "
        + attachedEpoch);
  }
}
