package dev.deneb.agent.failsafe;

import dev.deneb.protocol.LeaseGrant;
import dev.deneb.protocol.Refusal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The lease rounds this node relays for its cluster's primary (docs/lease.md "Relay"). A primary
 * that reaches no controller majority asks its replicas for promises and names its newest round; a
 * replica that reaches a majority of members itself sends that round on to them and hands their
 * grants back in its answer, so a primary cut off only from the controllers keeps its lease the
 * normal way, and the replica binds itself to nothing.
 *
 * <p>A relay is finished ({@link #onGrant}) once a majority of distinct members granted, or a member
 * at the round's epoch refused (that refusal is the verdict the primary needs); else the agent
 * finishes it when its wait runs out ({@link #finish}). Pure and single-threaded: the agent's loop
 * owns it; I/O and timers are the agent's.
 *
 * @param <R> whatever the agent needs to answer the asker (its reply callback)
 */
public final class RelayBook<R> {
  /** One relay in flight: whom it is for, the asker's reply, the grants so far. */
  public static final class Relay<R> {
    private final long relayId;
    private final PromiseRequest request;
    private final long renewRequestId;
    private final R reply;
    private final List<LeaseGrant> grants = new ArrayList<>();
    private final Set<String> grantedBy = new HashSet<>();
    private boolean refused;

    Relay(long relayId, PromiseRequest request, long renewRequestId, R reply) {
      this.relayId = relayId;
      this.request = request;
      this.renewRequestId = renewRequestId;
      this.reply = reply;
    }

    public long relayId() {
      return relayId;
    }

    public PromiseRequest request() {
      return request;
    }

    public long renewRequestId() {
      return renewRequestId;
    }

    public R reply() {
      return reply;
    }

    /** Every answer the members gave, granted or not, in the order they came. */
    public List<LeaseGrant> grants() {
      return List.copyOf(grants);
    }

    /** Distinct members that granted the round. */
    public int granted() {
      return grantedBy.size();
    }

    /** Whether a member at the round's epoch refused it (a replacement began, or a newer epoch). */
    public boolean refused() {
      return refused;
    }
  }

  private final Map<Long, Relay<R>> inFlight = new HashMap<>();
  private long nextRelayId;
  private static final long NEVER = Long.MIN_VALUE;
  /** When a relay last fell short of a majority; NEVER when none has. */
  private long fellShortAt = NEVER;

  /**
   * A relay fell short of a majority at {@code now}: streams to frozen members look open for
   * seconds, so for a while the asker gets the book's answer at once ({@link #mayRelay}).
   */
  public void fellShort(long now) {
    fellShortAt = now;
  }

  /** Whether to try a relay at {@code now}: none fell short within the last {@code pauseNanos}. */
  public boolean mayRelay(long now, long pauseNanos) {
    return fellShortAt == NEVER || now - fellShortAt >= pauseNanos;
  }

  /** Starts a relay of the asker's round {@code renewRequestId}; the caller sends it under the returned id. */
  public Relay<R> start(PromiseRequest request, long renewRequestId, R reply) {
    if (renewRequestId <= 0) throw new IllegalArgumentException("renewRequestId " + renewRequestId + " must be positive");
    Relay<R> relay = new Relay<>(++nextRelayId, request, renewRequestId, reply);
    inFlight.put(relay.relayId, relay);
    return relay;
  }

  /**
   * One member's answer to a relayed round.
   *
   * @param majority how many distinct members make a majority of the group
   * @return the relay, taken out of the book, when this answer finished it: a majority granted, or a
   *     member at the round's epoch refused
   */
  public Optional<Relay<R>> onGrant(LeaseGrant grant, int majority) {
    Relay<R> relay = inFlight.get(grant.getRelayId());
    if (relay == null || grant.getRequestId() != relay.renewRequestId
        || !grant.getRelayedFor().equals(relay.request.primary())) {
      return Optional.empty(); // late (already answered), or not the round asked for
    }
    relay.grants.add(grant);
    if (grant.getAccepted()) {
      if (!grant.getMember().isEmpty()) relay.grantedBy.add(grant.getMember());
    } else if (grant.getEpoch() >= relay.request.epoch() && grant.getRefusal() != Refusal.MEMBER_CATCHING_UP) {
      // A member that applied the round's epoch said no: the primary must hear it now.
      relay.refused = true;
    }
    if (relay.refused || relay.grantedBy.size() >= majority) return Optional.of(inFlight.remove(relay.relayId));
    return Optional.empty();
  }

  /** The wait for relay {@code relayId} ran out: take it out of the book with what it has (empty if already finished). */
  public Optional<Relay<R>> finish(long relayId) {
    return Optional.ofNullable(inFlight.remove(relayId));
  }

  /** Relays in flight (tests, metrics). */
  public int size() {
    return inFlight.size();
  }
}
