package dev.deneb.agent.failsafe;

import java.util.Set;

/**
 * A primary's request to another node of its cluster: "promise not to become writable above epoch
 * {@code epoch} for {@code durationNanos} of your clock's time".
 *
 * @param membership the cluster's nodes as the primary's newest majority-granted lease round
 *     confirmed them; a node outside it is never asked and never promises
 * @param round the primary's round number: answers are matched to it, and a hold counts only a round
 *     every other node promised
 */
public record PromiseRequest(String cluster, String primary, long epoch, long round, long durationNanos,
    Set<String> membership) {
  public PromiseRequest {
    membership = Set.copyOf(membership);
    if (durationNanos <= 0) throw new IllegalArgumentException("durationNanos " + durationNanos + " must be positive");
  }
}
