package dev.deneb.agent.failsafe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.agent.failsafe.PromiseAnswer.Declined;
import dev.deneb.agent.failsafe.PromiseAnswer.Promised;
import dev.deneb.agent.failsafe.PromiseAnswer.Reason;
import dev.deneb.agent.lease.LeaseSettings;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FailsafeHoldTest {
  private static final long MS = 1_000_000;
  private final FailsafeHold hold = new FailsafeHold("orders", "db1", LeaseSettings.DEFAULTS);

  @Test
  void noHoldWithoutAConfirmedLeaseOrWithoutAnotherNode() {
    assertThat(hold.ask(0)).isEmpty();
    hold.confirm(3, Set.of("db1"));
    assertThat(hold.ask(0)).as("a lone primary: nobody could prove its hold over").isEmpty();
  }

  @Test
  void aRoundEveryOtherNodePromisedHoldsLikeALeaseRound() {
    hold.confirm(3, Set.of("db1", "db2", "db3"));
    PromiseRequest r = hold.ask(10_000 * MS).orElseThrow();
    assertThat(r.membership()).containsExactlyInAnyOrder("db1", "db2", "db3");
    assertThat(r.durationNanos()).isEqualTo(3_000 * MS);

    hold.onAnswer(new Promised(r.round(), "db2", 3));
    assertThat(hold.holds(10_100 * MS)).as("one of two promises holds nothing").isFalse();
    hold.onAnswer(new Promised(r.round(), "db3", 3));
    // s + ttl·(1-ρ) = 10,000 + 2,970 ms, fenced 500 ms before.
    assertThat(hold.holdUntil()).isEqualTo(12_970 * MS);
    assertThat(hold.holds(12_469 * MS)).isTrue();
    assertThat(hold.holds(12_470 * MS)).isFalse();
  }

  @Test
  void promisesFromOutsideTheConfirmedMembershipOrForAnotherEpochCountForNothing() {
    hold.confirm(3, Set.of("db1", "db2"));
    PromiseRequest r = hold.ask(0).orElseThrow();
    hold.onAnswer(new Promised(r.round(), "db9", 3));
    hold.onAnswer(new Promised(r.round(), "db2", 2));
    assertThat(hold.holds(MS)).isFalse();
  }

  @Test
  void aDeclineThatShowsAReplacementEndsTheClaimForTheEpoch() {
    hold.confirm(3, Set.of("db1", "db2", "db3"));
    PromiseRequest r = hold.ask(0).orElseThrow();
    hold.onAnswer(new Promised(r.round(), "db2", 3));
    hold.onAnswer(new Promised(r.round(), "db3", 3));
    assertThat(hold.holds(MS)).isTrue();

    assertThat(hold.onAnswer(new Declined(r.round(), "db2", Reason.RELAYING, 3, ""))).isFalse();
    assertThat(hold.holds(MS)).as("a relaying node is no verdict").isTrue();
    assertThat(hold.onAnswer(new Declined(r.round(), "db3", Reason.REPLACEMENT_BEGUN, 3, ""))).isTrue();
    assertThat(hold.holds(MS)).isFalse();
    assertThat(hold.ask(2 * MS)).isEmpty();

    hold.confirm(4, Set.of("db1", "db2"));
    assertThat(hold.ask(3 * MS)).as("a new epoch starts afresh").isPresent();
  }
}
