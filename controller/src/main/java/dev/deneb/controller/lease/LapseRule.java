package dev.deneb.controller.lease;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * When the controllers may treat a primary's lease as over (DESIGN §3.9 rules 2-3, docs/lease.md).
 * Pure: every member's view comes in with its age on the leader's clock.
 *
 * <p>The agent holds its lease only from a round a majority of members granted. So if the members'
 * silences (time since each last granted) are sorted, the newest round that can have reached a
 * majority is as old as the majority-th smallest of them; a member the leader has no word from counts
 * as silent for 0 ms (it may have granted just now). That one number answers both questions:
 * <ul>
 *   <li>{@link LeaseStatus#groupSilenceMillis}: for detection, with each member's freshest word;
 *       a primary cut off from the leader alone still renews through the others, so its group
 *       silence stays low and it is not failed over (rule 3). An open member's word counts only if
 *       it arrived after the newest grant any member is known to have made (plus {@code SKEW}): the
 *       agent sends every round to every member, so a word from before that round cannot say whether
 *       that member got it too. Without this, the first grant of a primary that took its lease long
 *       after its epoch began read as a lapse (other members' words, a few hundred ms old, still said
 *       "no grant for 40 s"), and healthy primaries were failed over (seen in `bench renewals`);
 *   <li>{@link LeaseStatus#revokedSilenceMillis}: for the proof that the lease is over, counting only
 *       members that are closed (they have applied the workflow's begin and will never grant this
 *       lease again), whose silence therefore keeps growing after they said so. Once that silence
 *       exceeds {@code ttl·(1+ρ) + margin}, no majority round can still hold (rule 2).
 * </ul>
 */
public final class LapseRule {
  private LapseRule() {}

  /** A member's view as the leader holds it: when it arrived on the leader's clock (nanoseconds). */
  public record Word(String member, LeaseView view, long receivedAtNanos) {}

  /**
   * The leader's reading of one lease.
   *
   * @param everGranted a majority of members say they granted the lease at some point since they
   *     started: it may have been held (else the primary was never writable in this epoch, and its
   *     silence is no failure — unless its agent reports mysqld down)
   */
  public record LeaseStatus(long groupSilenceMillis, long revokedSilenceMillis, boolean everGranted,
      Supplier<String> describe) {
    public static final LeaseStatus NONE = new LeaseStatus(0, 0, false, () -> "");

    /** Each member's part, as a sentence: written only when read (explain, a log line, a committed step). */
    public String detail() {
      return describe.get();
    }
  }

  /**
   * @param groupSize voting members of the controller group
   * @param self the leader's own view, taken now
   * @param peers the other members' newest views (at most one per member)
   * @param freshMillis an open member's view older than this says nothing about its grants since
   */
  /** How much later than another member's grant a round can reach a member (network, scheduling). */
  static final long SKEW_MILLIS = 200;

  public static LeaseStatus evaluate(int groupSize, String selfId, LeaseView self, Collection<Word> peers, long nowNanos,
      long freshMillis) {
    List<Word> words = List.copyOf(peers);
    // The leader evaluates every lease ten times a second; the sentence is the same computation
    // again, over the same inputs, only when someone reads it.
    return evaluate(groupSize, selfId, self, words, nowNanos, freshMillis, null, () -> {
      StringBuilder detail = new StringBuilder();
      evaluate(groupSize, selfId, self, words, nowNanos, freshMillis, detail, null);
      return detail.toString();
    });
  }

  private static LeaseStatus evaluate(int groupSize, String selfId, LeaseView self, List<Word> peers, long nowNanos,
      long freshMillis, StringBuilder detail, Supplier<String> describe) {
    List<Long> detection = new ArrayList<>(peers.size() + 1);
    List<Long> revoked = new ArrayList<>(2);
    int grantedBy = self.granted() ? 1 : 0;
    // How long ago (on the leader's clock) the newest grant any member told of was made.
    long newestGrantAgo = self.granted() ? self.silenceMillis() : Long.MAX_VALUE;
    for (Word w : peers) {
      if (w.view().granted()) {
        long ago = w.view().silenceMillis() + Math.max(0, (nowNanos - w.receivedAtNanos()) / 1_000_000);
        newestGrantAgo = Math.min(newestGrantAgo, ago);
      }
    }
    add(detection, revoked, detail, selfId, self, 0);
    for (Word w : peers) {
      long ageMillis = Math.max(0, (nowNanos - w.receivedAtNanos()) / 1_000_000);
      if (w.view().granted()) grantedBy++;
      if (!w.view().closed() && ageMillis > freshMillis) {
        if (detail != null) detail.append(", ").append(w.member()).append(": no fresh word (").append(ageMillis).append(" ms)");
        continue;
      }
      long lastGrantAgo = w.view().silenceMillis() + ageMillis;
      boolean predatesNewestGrant = newestGrantAgo != Long.MAX_VALUE && lastGrantAgo > newestGrantAgo + SKEW_MILLIS
          && ageMillis + SKEW_MILLIS > newestGrantAgo;
      if (!w.view().closed() && predatesNewestGrant) {
        if (detail != null) {
          detail.append(", ").append(w.member()).append(": word older than the newest grant (").append(ageMillis).append(" ms)");
        }
        continue;
      }
      add(detection, revoked, detail, w.member(), w.view(), ageMillis);
    }
    int majority = groupSize / 2 + 1;
    // A lease was held only if a majority granted some round: one member's grant is not a lease (an
    // agent whose streams come up one by one, long after its epoch began, is not a lapsed primary).
    boolean everHeld = grantedBy >= majority;
    return new LeaseStatus(majorityth(detection, groupSize, majority), majorityth(revoked, groupSize, majority), everHeld,
        describe);
  }

  private static void add(List<Long> detection, List<Long> revoked, StringBuilder detail, String member, LeaseView v,
      long ageMillis) {
    // A closed member never grants again: its silence keeps growing after it spoke. An open one may
    // have granted since its answer, so its answer is taken as it was.
    long silence = v.closed() ? v.silenceMillis() + ageMillis : v.silenceMillis();
    detection.add(silence);
    if (v.closed()) revoked.add(silence);
    if (detail == null) return;
    if (detail.length() > 0) detail.append(", ");
    detail.append(member).append(": ").append(v.granted() ? "granted " + silence + " ms ago" : "no grant for " + silence + " ms")
        .append(v.closed() ? " (closed)" : "");
  }

  /** The majority-th smallest silence, members without a known silence counting as 0. */
  private static long majorityth(List<Long> known, int groupSize, int majority) {
    int unknown = Math.max(0, groupSize - known.size());
    if (unknown >= majority) return 0;
    List<Long> sorted = new ArrayList<>(known);
    sorted.sort(null);
    return sorted.get(majority - unknown - 1);
  }
}
