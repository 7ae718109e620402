package dev.deneb.agent.lease;

/** What the lease keeper asks the agent's I/O side to do. Every action says why. */
public sealed interface LeaseAction {

  enum Reason {
    /** Time to renew: the renew interval has passed since the last send. */
    RENEW_DUE,
    /** The newest round is short of a majority after the retry pause, and the lease can still be saved. */
    RENEW_RETRY,
    /** The lease ends within fenceLead (or has ended) and no accepted renewal extends it. */
    LEASE_EXPIRING,
    /** The controller refused a renewal: a workflow is replacing this primary, or its epoch is stale. */
    RENEWAL_REFUSED,
    /** The committed epoch names another node (or this node is no longer primary). */
    NOT_PRIMARY,
    /** This node holds a valid lease for an epoch that names it primary. */
    LEASE_HELD
  }

  Reason reason();

  /**
   * Send the round {@code RenewLease(requestId, epoch)} to every connected member now; the keeper
   * already noted the send time.
   */
  record Renew(long requestId, long epoch, Reason reason) implements LeaseAction {}

  /** Make the database refuse writes now: read-only, then kill client sessions. */
  record Fence(Reason reason, String detail) implements LeaseAction {}

  /** The database may accept writes again: the lease for {@code epoch} is held. */
  record Unfence(long epoch, Reason reason) implements LeaseAction {}
}
