package dev.deneb.agent.fence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FencingLadderTest {
  static final long MS = 1_000_000;
  final AtomicLong clock = new AtomicLong(1_000 * MS);
  final List<String> calls = new ArrayList<>();
  final FenceRequest request = new FenceRequest("orders", "db1", 7, "LEASE_EXPIRING: lease ends in 480 ms");

  /** A rung that takes {@code tookMs} on the fake clock and answers {@code verified}. */
  final class FakeRung implements FenceRung {
    final String name;
    final boolean verified;
    final long tookMs;
    List<RungResult> sawEarlier;
    FenceRequest sawRequest;

    FakeRung(String name, boolean verified, long tookMs) {
      this.name = name;
      this.verified = verified;
      this.tookMs = tookMs;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Verdict attempt(FenceRequest r, List<RungResult> earlier) {
      calls.add(name);
      sawEarlier = earlier;
      sawRequest = r;
      clock.addAndGet(tookMs * MS);
      return new Verdict(verified, name + (verified ? " worked" : " failed"));
    }
  }

  @Test
  void theFirstRungThatVerifiesEndsTheLadderAndLaterRungsAreNotRun() {
    FakeRung sql = new FakeRung("sql", false, 500);
    FakeRung kill = new FakeRung("kill", true, 12);
    FakeRung stonith = new FakeRung("stonith", true, 3000);
    LadderOutcome o = new FencingLadder(List.of(sql, kill, stonith), clock::get).fence(request);

    assertThat(calls).containsExactly("sql", "kill");
    assertThat(o.confirmed()).isTrue();
    assertThat(o.confirmedBy()).map(RungResult::rung).contains("kill");
    assertThat(o.steps()).containsExactly(
        new RungResult("sql", false, Duration.ofMillis(500), "sql failed"),
        new RungResult("kill", true, Duration.ofMillis(12), "kill worked"));
    assertThat(o.elapsed()).isEqualTo(Duration.ofMillis(512));
    // The second rung learns why the first one failed, and gets the request unchanged.
    assertThat(kill.sawEarlier).containsExactly(o.steps().get(0));
    assertThat(kill.sawRequest).isEqualTo(request);
  }

  @Test
  void aVerifiedFirstRungIsTheWholeLadder() {
    LadderOutcome o = new FencingLadder(List.of(new FakeRung("sql", true, 20), new FakeRung("kill", true, 1)), clock::get)
        .fence(request);
    assertThat(calls).containsExactly("sql");
    assertThat(o.confirmed()).isTrue();
    assertThat(o.steps()).hasSize(1);
    assertThat(o.steps().get(0).elapsed()).isEqualTo(Duration.ofMillis(20));
  }

  @Test
  void whenNoRungVerifiesEveryRungRunsInOrderAndTheOutcomeSaysWhy() {
    LadderOutcome o = new FencingLadder(List.of(new FakeRung("sql", false, 500), new FakeRung("kill", false, 2000),
        new FakeRung("stonith", false, 10_000)), clock::get).fence(request);
    assertThat(calls).containsExactly("sql", "kill", "stonith");
    assertThat(o.confirmed()).isFalse();
    assertThat(o.confirmedBy()).isEmpty();
    assertThat(o.steps()).extracting(RungResult::reason).containsExactly("sql failed", "kill failed", "stonith failed");
    assertThat(o.steps()).extracting(RungResult::elapsed)
        .containsExactly(Duration.ofMillis(500), Duration.ofMillis(2000), Duration.ofMillis(10_000));
    assertThat(o.elapsed()).isEqualTo(Duration.ofMillis(12_500));
  }

  @Test
  void aRungThatThrowsCountsAsNotVerifiedAndTheLadderEscalates() {
    FenceRung broken = new FenceRung() {
      @Override
      public String name() {
        return "broken";
      }

      @Override
      public Verdict attempt(FenceRequest r, List<RungResult> earlier) {
        clock.addAndGet(3 * MS);
        throw new IllegalStateException("boom");
      }
    };
    LadderOutcome o = new FencingLadder(List.of(broken, new FakeRung("stonith", true, 40)), clock::get).fence(request);
    assertThat(o.confirmed()).isTrue();
    assertThat(o.steps().get(0).verified()).isFalse();
    assertThat(o.steps().get(0).reason()).contains("boom");
    assertThat(o.steps().get(0).elapsed()).isEqualTo(Duration.ofMillis(3));
  }

  @Test
  void theEscalationSummaryNamesTheFenceReasonAndEveryEarlierFailure() {
    List<RungResult> earlier = List.of(new RungResult("sql-read-only", false, Duration.ofMillis(500), "no answer"),
        new RungResult("sigkill-mysqld", false, Duration.ofMillis(1), "not permitted"));
    assertThat(FencingLadder.escalationSummary(request, earlier)).isEqualTo(
        "LEASE_EXPIRING: lease ends in 480 ms; not confirmed by sql-read-only (no answer), sigkill-mysqld (not permitted)");
    assertThat(FencingLadder.escalationSummary(request, List.of())).isEqualTo(request.reason());
  }

  @Test
  void describeListsTheRungsInOrder() {
    assertThat(new FencingLadder(List.of(new FakeRung("a", true, 0), new FakeRung("b", true, 0)), clock::get).describe())
        .isEqualTo("a -> b");
  }

  @Test
  void aMultiLineReasonIsLoggedAndReportedOnOneLine() {
    FenceRung chatty = new FenceRung() {
      @Override
      public String name() {
        return "sql";
      }

      @Override
      public Verdict attempt(FenceRequest r, List<RungResult> earlier) {
        return Verdict.notVerified("Communications link failure\n\nThe last packet was sent 500 ms ago.\n");
      }
    };
    assertThat(new FencingLadder(List.of(chatty), clock::get).fence(request).steps().get(0).reason())
        .isEqualTo("Communications link failure The last packet was sent 500 ms ago.");
  }

  @Test
  void aLadderThatKeepsFailingStillAnswersEveryTimeButLogsInFullOnlyNowAndThen() {
    ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(FencingLadder.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen = new ch.qos.logback.core.read.ListAppender<>();
    seen.start();
    log.addAppender(seen);
    try {
      FencingLadder ladder = new FencingLadder(List.of(new FakeRung("sql", false, 10)), clock::get);
      for (int i = 0; i < 20; i++) {
        assertThat(ladder.fence(request).confirmed()).isFalse(); // 20 runs, 10 ms each: within one interval
        clock.addAndGet(50 * MS);
      }
      clock.addAndGet(FencingLadder.REPEAT_LOG_INTERVAL.toNanos());
      ladder.fence(request);
      List<String> errors = seen.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR)
          .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
      assertThat(errors).hasSize(4); // the first run in full (step + summary), then the run after the interval
      assertThat(errors.get(3)).contains("FENCING NOT CONFIRMED").contains("19 more failed runs since the last report");
    } finally {
      log.detachAppender(seen);
    }
  }
}
