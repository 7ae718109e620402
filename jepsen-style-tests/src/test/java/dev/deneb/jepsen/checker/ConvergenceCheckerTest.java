package dev.deneb.jepsen.checker;

import static dev.deneb.jepsen.Script.nanos;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.jepsen.Runs;
import dev.deneb.jepsen.history.Durability;
import dev.deneb.jepsen.history.FinalState;
import dev.deneb.jepsen.history.Observations;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConvergenceCheckerTest {
  private final ConvergenceChecker checker = new ConvergenceChecker(Duration.ofSeconds(2));

  private static Observations ending(FinalState end) {
    return new Observations(Durability.SEMI_SYNC, Runs.epochs(), Runs.workflows(), List.of(), end);
  }

  @Test
  void apiAndDnsOnTheFinalPrimaryWithinTheBoundIsValid() {
    Verdict verdict = checker.check(Runs.cleanHistory(), Runs.cleanObservations(Durability.SEMI_SYNC));

    assertThat(verdict.valid()).as("%s", verdict.violations()).isTrue();
    assertThat(verdict.stats()).containsEntry("convergedMillisAfterHeal", 499L);
  }

  @Test
  void dnsStillNamingTheOldPrimaryIsReported() {
    Verdict verdict = checker.check(Runs.cleanHistory(),
        ending(new FinalState("db2", 2, Set.of(), "db1", "db2", nanos(5.5))));

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).containsExactly("DNS names db1 instead of final primary db2");
  }

  @Test
  void convergingAfterTheBoundIsReported() {
    Verdict verdict = checker.check(Runs.cleanHistory(),
        ending(new FinalState("db2", 2, Set.of(), "db2", "db2", nanos(9.0))));

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).singleElement().asString()
        .contains("only 3999 ms after the heal at 5.001s", "bound of 2000 ms");
  }

  @Test
  void neverConvergingOrDisagreeingWithTheEpochHistoryIsReported() {
    Verdict verdict = checker.check(Runs.cleanHistory(),
        ending(new FinalState("db1", 1, Set.of(), "db1", "db1", null)));

    assertThat(verdict.violations()).hasSize(2);
    assertThat(verdict.violations().get(0)).contains("final state says db1 in epoch 1", "db2 in epoch 2");
    assertThat(verdict.violations().get(1)).contains("never seen both naming db1");
  }
}
