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
    LEASE_HELD,
    /** Renewal rounds are not reaching a majority and the fence point nears: ask the other nodes for promises. */
    FAILSAFE_ASK,
    /** Every other confirmed node promised: the database stays writable without a controller majority. */
    FAILSAFE_HOLD,
    /** The failsafe hold ended (a renewal reached a majority again, or a promise was missing or declined). */
    FAILSAFE_ENDED
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

  /**
   * Send {@code request} to every other node it names (agent to agent), now: failsafe
   * (docs/lease.md); the keeper already noted the send time. {@code renewRequestId} is the newest
   * lease round of the request's epoch (0 when none): a node that reaches a controller majority
   * relays that round instead of promising, and its members' grants count as any other.
   */
  record AskPromises(dev.deneb.agent.failsafe.PromiseRequest request, long renewRequestId, Reason reason)
      implements LeaseAction {}

  /**
   * The database is (or is no longer) kept writable by a failsafe hold alone: for the log and the
   * {@code deneb_failsafe_active} gauge; nothing to do to the database.
   */
  record FailsafeChanged(boolean active, Reason reason, String detail) implements LeaseAction {}
}
