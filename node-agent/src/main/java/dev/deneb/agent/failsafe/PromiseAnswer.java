package dev.deneb.agent.failsafe;

/** A node's answer to a {@link PromiseRequest}. */
public sealed interface PromiseAnswer {
  long round();

  String node();

  /** The node promised: it will not become writable above {@code epoch} for the requested duration. */
  record Promised(long round, String node, long epoch) implements PromiseAnswer {}

  /**
   * The node gives no promise. {@code epochSeen} is the highest epoch it has seen; the detail says why
   * in words for the log.
   */
  record Declined(long round, String node, Reason reason, long epochSeen, String detail) implements PromiseAnswer {
    /** Whether this answer proves the asker is being (or has been) replaced: it must stop writing now. */
    public boolean endsTheClaim() {
      return reason == Reason.HIGHER_EPOCH_SEEN || reason == Reason.REPLACEMENT_BEGUN;
    }
  }

  enum Reason {
    /** The request names another cluster. */
    OTHER_CLUSTER,
    /** Failsafe is turned off for this cluster. */
    FAILSAFE_DISABLED,
    /** This node is not in the membership the asker's lease confirmed. */
    NOT_IN_MEMBERSHIP,
    /** This node has seen a higher epoch than the asker's: the asker is no longer primary. */
    HIGHER_EPOCH_SEEN,
    /** The asker's epoch is newer than any this node has seen, so it cannot vouch for it. */
    EPOCH_UNKNOWN,
    /** This node's highest epoch names another node as primary. */
    NOT_THE_PRIMARY,
    /** This node has seen a workflow begin that replaces the asker. */
    REPLACEMENT_BEGUN,
    /** This node reaches a majority of controller members: it relays the asker's renewal instead. */
    RELAYING,
    /** The requested duration exceeds the longest promise this node gives. */
    DURATION_TOO_LONG
  }
}
