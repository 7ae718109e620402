package dev.deneb.agent.failsafe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.protocol.LeaseGrant;
import dev.deneb.protocol.Refusal;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rounds a replica relays for its primary (docs/lease.md "Relay"). */
class RelayBookTest {
  private final RelayBook<String> book = new RelayBook<>();
  private final PromiseRequest ask = new PromiseRequest("shop", "db1", 5, 9, 3_000_000_000L, Set.of("db1", "db2", "db3"));

  private static LeaseGrant grant(long relayId, long requestId, String member, boolean accepted, long epoch, Refusal refusal) {
    return LeaseGrant.newBuilder().setRelayId(relayId).setRequestId(requestId).setMember(member).setAccepted(accepted)
        .setEpoch(epoch).setRefusal(refusal).setRelayedFor("db1").build();
  }

  @Test
  void aMajorityOfDistinctMembersFinishesTheRelay() {
    RelayBook.Relay<String> r = book.start(ask, 41, "reply");
    assertThat(book.onGrant(grant(r.relayId(), 41, "c1", true, 5, Refusal.REFUSAL_UNSPECIFIED), 2)).isEmpty();
    // The same member twice is one grant.
    assertThat(book.onGrant(grant(r.relayId(), 41, "c1", true, 5, Refusal.REFUSAL_UNSPECIFIED), 2)).isEmpty();
    var done = book.onGrant(grant(r.relayId(), 41, "c2", true, 5, Refusal.REFUSAL_UNSPECIFIED), 2);
    assertThat(done).isPresent();
    assertThat(done.get().granted()).isEqualTo(2);
    assertThat(done.get().grants()).hasSize(3);
    assertThat(done.get().reply()).isEqualTo("reply");
    assertThat(book.size()).isZero();
    // A late grant finds nothing to finish.
    assertThat(book.onGrant(grant(r.relayId(), 41, "c3", true, 5, Refusal.REFUSAL_UNSPECIFIED), 2)).isEmpty();
    assertThat(book.finish(r.relayId())).isEmpty();
  }

  @Test
  void aRefusalAtTheRoundsEpochFinishesItButALaggingMembersDoesNot() {
    RelayBook.Relay<String> r = book.start(ask, 41, "reply");
    assertThat(book.onGrant(grant(r.relayId(), 41, "c1", false, 4, Refusal.STALE_EPOCH), 2)).isEmpty();
    assertThat(book.onGrant(grant(r.relayId(), 41, "c2", false, 0, Refusal.MEMBER_CATCHING_UP), 2)).isEmpty();
    var done = book.onGrant(grant(r.relayId(), 41, "c3", false, 5, Refusal.WORKFLOW_IN_FLIGHT), 2);
    assertThat(done).isPresent();
    assertThat(done.get().refused()).isTrue();
    assertThat(done.get().granted()).isZero();
  }

  @Test
  void grantsOfAnotherRoundOrPrimaryAreIgnoredAndTheWaitEndsWithWhatCame() {
    RelayBook.Relay<String> r = book.start(ask, 41, "reply");
    assertThat(book.onGrant(grant(r.relayId(), 40, "c1", true, 5, Refusal.REFUSAL_UNSPECIFIED), 1)).isEmpty();
    assertThat(book.onGrant(grant(r.relayId(), 41, "c1", true, 5, Refusal.REFUSAL_UNSPECIFIED).toBuilder()
        .setRelayedFor("db2").build(), 1)).isEmpty();
    assertThat(book.onGrant(grant(r.relayId() + 1, 41, "c1", true, 5, Refusal.REFUSAL_UNSPECIFIED), 1)).isEmpty();
    var finished = book.finish(r.relayId());
    assertThat(finished).isPresent();
    assertThat(finished.get().grants()).isEmpty();
    assertThat(book.size()).isZero();
  }

  @Test
  void aRelayThatFellShortPausesRelaysForAWhile() {
    assertThat(book.mayRelay(0, 1_000)).isTrue();
    book.fellShort(5_000);
    assertThat(book.mayRelay(5_999, 1_000)).isFalse();
    assertThat(book.mayRelay(6_000, 1_000)).isTrue();
  }

  @Test
  void aRoundIdIsRequired() {
    assertThatThrownBy(() -> book.start(ask, 0, "reply")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("renewRequestId");
  }
}
