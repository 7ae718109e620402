package dev.deneb.agent.failsafe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.agent.failsafe.PromiseAnswer.Declined;
import dev.deneb.agent.failsafe.PromiseAnswer.Promised;
import dev.deneb.agent.failsafe.PromiseAnswer.Reason;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromiseBookTest {
  private static final long MS = 1_000_000;
  private static final long TTL = 3_000 * MS;
  private static final long START = 1_000_000 * MS;
  private static final PromiseBook.View CUT_OFF = new PromiseBook.View(7, "db1", false, false, true);

  private final PromiseBook book = new PromiseBook("orders", "db2", TTL, 0.01, START);

  private static PromiseRequest ask(long epoch, long round) {
    return new PromiseRequest("orders", "db1", epoch, round, TTL, Set.of("db1", "db2", "db3"));
  }

  @Test
  void aNewBookBindsALongestPromiseFromTheAgentStart() {
    // The previous run may have promised just before it stopped; the book cannot know.
    assertThat(book.waitBeforeWritable(START)).isEqualTo(3_030 * MS);
    assertThat(book.binding(START)).hasValueSatisfying(b -> assertThat(b).contains("agent start"));
    assertThat(book.waitBeforeWritable(START + 3_030 * MS)).isZero();
  }

  @Test
  void promisesThePrimaryOfTheHighestEpochAndBindsWithTheDriftMargin() {
    long now = START + 10_000 * MS;
    PromiseAnswer a = book.answer(ask(7, 4), CUT_OFF, now);

    assertThat(a).isEqualTo(new Promised(4, "db2", 7));
    assertThat(book.waitBeforeWritable(now)).isEqualTo(3_030 * MS);
    assertThat(book.binding(now)).hasValueSatisfying(b -> assertThat(b).contains("promise to db1 (epoch 7, round 4)"));
  }

  @Test
  void declinesWhatItCannotVouchFor() {
    long now = START + 10_000 * MS;
    assertThat(reason(book.answer(ask(6, 1), CUT_OFF, now))).isEqualTo(Reason.HIGHER_EPOCH_SEEN);
    assertThat(reason(book.answer(ask(8, 1), CUT_OFF, now))).isEqualTo(Reason.EPOCH_UNKNOWN);
    assertThat(reason(book.answer(ask(7, 1), new PromiseBook.View(7, "db3", false, false, true), now)))
        .isEqualTo(Reason.NOT_THE_PRIMARY);
    assertThat(reason(book.answer(ask(7, 1), new PromiseBook.View(7, "db1", false, true, true), now)))
        .isEqualTo(Reason.RELAYING);
    assertThat(reason(book.answer(ask(7, 1), new PromiseBook.View(7, "db1", false, false, false), now)))
        .isEqualTo(Reason.FAILSAFE_DISABLED);
    assertThat(reason(book.answer(new PromiseRequest("orders", "db1", 7, 1, TTL, Set.of("db1", "db3")), CUT_OFF, now)))
        .isEqualTo(Reason.NOT_IN_MEMBERSHIP);
    assertThat(reason(book.answer(new PromiseRequest("billing", "db1", 7, 1, TTL, Set.of("db1", "db2")), CUT_OFF, now)))
        .isEqualTo(Reason.OTHER_CLUSTER);
    assertThat(reason(book.answer(new PromiseRequest("orders", "db1", 7, 1, TTL + 1, Set.of("db1", "db2")), CUT_OFF, now)))
        .isEqualTo(Reason.DURATION_TOO_LONG);
    // None of those bound the node beyond its start binding.
    assertThat(book.waitBeforeWritable(now)).isZero();
  }

  @Test
  void aSeenReplacementSealsTheEpochAndTheBookIsReleasedOnceItsPromisesRanOut() {
    long t = START + 10_000 * MS;
    book.answer(ask(7, 1), CUT_OFF, t);
    PromiseAnswer after = book.answer(ask(7, 2), new PromiseBook.View(7, "db1", true, false, true), t + 500 * MS);

    assertThat(after).isInstanceOfSatisfying(Declined.class, d -> assertThat(d.endsTheClaim()).isTrue());
    // Sealed, but the promise of round 1 still runs: not released, and it still binds.
    assertThat(book.released(7, t + 3_029 * MS)).isFalse();
    assertThat(book.waitBeforeWritable(t + 3_029 * MS)).isEqualTo(MS);
    assertThat(book.released(7, t + 3_030 * MS)).isTrue();
    // Without the seal, a book whose promises ran out is not released: it could promise again.
    assertThat(book.released(8, t + 3_030 * MS)).isFalse();
    // A sealed epoch gets no promise even when the view no longer shows the replacement.
    assertThat(reason(book.answer(ask(7, 3), CUT_OFF, t + 4_000 * MS))).isEqualTo(Reason.REPLACEMENT_BEGUN);
  }

  private static Reason reason(PromiseAnswer a) {
    assertThat(a).isInstanceOf(Declined.class);
    return ((Declined) a).reason();
  }
}
