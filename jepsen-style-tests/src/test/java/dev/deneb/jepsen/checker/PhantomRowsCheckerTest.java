package dev.deneb.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.jepsen.Runs;
import dev.deneb.jepsen.Script;
import dev.deneb.jepsen.history.Durability;
import dev.deneb.jepsen.history.Observations;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PhantomRowsCheckerTest {
  private final PhantomRowsChecker checker = new PhantomRowsChecker();

  private static Observations rows(String... rows) {
    return new Observations(Durability.SEMI_SYNC, Runs.epochs(), Runs.workflows(), List.of(),
        Runs.finalState(Set.of(rows)));
  }

  @Test
  void rowsOfAcknowledgedWritesAreValid() {
    assertThat(checker.check(Runs.cleanHistory(), Runs.cleanObservations(Durability.SEMI_SYNC)).valid()).isTrue();
  }

  @Test
  void anIndeterminateWriteMayBePresent() {
    Verdict verdict = checker.check(Runs.cleanHistory(), rows("v1", "v4"));

    assertThat(verdict.valid()).isTrue();
    assertThat(verdict.stats()).containsEntry("indeterminateWritesPresent", 1);
  }

  @Test
  void aRowNoClientWroteIsReported() {
    Verdict verdict = checker.check(Runs.cleanHistory(), rows("v1", "ghost"));

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).singleElement().asString()
        .contains("row \"ghost\" on final primary db2 was never written by any client");
  }

  @Test
  void aRowOfADefinitelyFailedWriteIsReported() {
    Script s = new Script();
    var refused = s.at(1.0).invoke(0, "r", "db1", 1);
    s.at(1.1).fail(refused);

    Verdict verdict = checker.check(s.history(), rows("r"));

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).singleElement().asString()
        .contains("row \"r\"", "failed definitely", "fail write \"r\" by 0 on db1");
  }
}
