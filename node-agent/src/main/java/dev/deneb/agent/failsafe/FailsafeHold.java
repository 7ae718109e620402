package dev.deneb.agent.failsafe;

import dev.deneb.agent.lease.LeaseSettings;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The primary's side of failsafe, on the primary agent's monotonic clock (docs/lease.md "Failsafe").
 * While the lease cannot be renewed because no majority of members answers, the agent asks every
 * other node of its <b>confirmed membership</b> — the cluster's nodes as its newest majority-granted
 * round saw them — for a promise. A round sent at {@code s} that <em>every</em> other node promised
 * holds the database writable until {@code s + ttl·(1-ρ)}, fenced {@code fenceLead} before, exactly as
 * a lease round would. One missing promise, and the round holds nothing; a decline that shows a newer
 * epoch or a replacement begun ends the claim at once.
 *
 * <p>Why every node: any node may be promoted once the controllers return; a node that promised
 * stays read-only until its promise ends, which is after the hold ends ({@link PromiseBook}). A node
 * outside the confirmed membership was never asked, so the controllers never promote one while a hold
 * may exist. A cluster with no other node gets no hold: nobody could prove it over.
 *
 * <p>Not thread-safe: the agent's loop owns it.
 */
public final class FailsafeHold {
  private static final long NEVER = Long.MIN_VALUE;

  private final String cluster;
  private final String self;
  private LeaseSettings settings;
  private long epoch;
  private Set<String> confirmed = Set.of();
  private long nextRound;
  private final Map<Long, Round> rounds = new HashMap<>();
  private long holdUntil = NEVER;
  /** A decline proved this primary replaced: no hold for this epoch again. */
  private boolean over;

  private record Round(long sentAt, Set<String> promised) {}

  public FailsafeHold(String cluster, String self, LeaseSettings settings) {
    this.cluster = cluster;
    this.self = self;
    this.settings = settings;
  }

  public void updateSettings(LeaseSettings next) {
    settings = next;
  }

  /**
   * A lease round for {@code epoch} reached a majority, whose grants named these nodes (the union of
   * what the granting members had applied). A new epoch starts afresh.
   */
  public void confirm(long epoch, Set<String> membership) {
    if (epoch < this.epoch) return;
    if (epoch > this.epoch) {
      this.epoch = epoch;
      rounds.clear();
      holdUntil = NEVER;
      over = false;
    }
    Set<String> others = new TreeSet<>(membership);
    others.remove(self);
    confirmed = Set.copyOf(others);
  }

  /** The other nodes whose promises a round needs. */
  public Set<String> confirmedOthers() {
    return confirmed;
  }

  /**
   * A new round to send to every other confirmed node now, or empty when no hold can be had: no lease
   * was ever confirmed in this epoch, no other node exists, or a decline ended the claim.
   */
  public Optional<PromiseRequest> ask(long now) {
    if (epoch == 0 || confirmed.isEmpty() || over) return Optional.empty();
    long round = ++nextRound;
    rounds.put(round, new Round(now, new HashSet<>()));
    // Forget rounds that can no longer extend the hold.
    rounds.values().removeIf(r -> now - r.sentAt() > settings.validNanos());
    Set<String> membership = new TreeSet<>(confirmed);
    membership.add(self);
    return Optional.of(new PromiseRequest(cluster, self, epoch, round, settings.ttl().toNanos(), membership));
  }

  /**
   * One node's answer.
   *
   * @return true when the answer ends the claim (a newer epoch or a replacement was seen): the agent
   *     fences now
   */
  public boolean onAnswer(PromiseAnswer answer) {
    Round round = rounds.get(answer.round());
    if (answer instanceof PromiseAnswer.Declined d) {
      if (d.endsTheClaim() && (d.epochSeen() >= epoch)) {
        over = true;
        holdUntil = NEVER;
        rounds.clear();
        return true;
      }
      return false;
    }
    PromiseAnswer.Promised p = (PromiseAnswer.Promised) answer;
    // Only a confirmed node's promise counts: an outsider may be promoted without having promised.
    if (round == null || p.epoch() != epoch || !confirmed.contains(p.node())) return false;
    round.promised().add(p.node());
    if (round.promised().containsAll(confirmed)) holdUntil = Math.max(holdUntil, round.sentAt() + settings.validNanos());
    return false;
  }

  /** Whether the hold keeps the database writable at {@code now} (it fences {@code fenceLead} early). */
  public boolean holds(long now) {
    return holdUntil != NEVER && now < holdUntil - settings.fenceLead().toNanos();
  }

  /** The local time the newest complete round holds until, or {@link Long#MIN_VALUE} when none. */
  public long holdUntil() {
    return holdUntil;
  }

  public long epoch() {
    return epoch;
  }
}
