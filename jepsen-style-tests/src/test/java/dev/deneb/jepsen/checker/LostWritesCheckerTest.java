package dev.deneb.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.jepsen.Runs;
import dev.deneb.jepsen.Script;
import dev.deneb.jepsen.history.Durability;
import dev.deneb.jepsen.history.EpochChange;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.Quarantine;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LostWritesCheckerTest {
  private final LostWritesChecker checker = new LostWritesChecker();

  /** db1 acknowledged a1..a3 (0-1-1..3); db2 got only a1 before the failover. */
  private static History asyncLoss() {
    Script s = new Script();
    s.write(1.0, 0, "a1", "db1", 1, "0-1-1");
    s.write(1.1, 1, "a2", "db1", 1, "0-1-2");
    s.write(1.2, 2, "a3", "db1", 1, "0-1-3");
    var unsure = s.at(1.3).invoke(3, "a4", "db1", 1);
    s.at(1.9).info(unsure);
    s.write(3.5, 4, "b1", "db2", 2, "0-2-2");
    return s.history();
  }

  private static Observations async(Set<String> rows, List<Quarantine> quarantines) {
    return new Observations(Durability.ASYNC, Runs.epochs(), Runs.workflows(), quarantines, Runs.finalState(rows));
  }

  @Test
  void semiSyncWithEveryAcknowledgedWritePresentIsValid() {
    Verdict verdict = checker.check(Runs.cleanHistory(), Runs.cleanObservations(Durability.SEMI_SYNC));

    assertThat(verdict.valid()).as("%s", verdict.violations()).isTrue();
    assertThat(verdict.stats()).containsEntry("acknowledgedWrites", 6).containsEntry("missingAcknowledged", 0);
  }

  @Test
  void anIndeterminateWriteMayBeMissing() {
    // v4 ended info and is absent from the rows of cleanObservations.
    Verdict verdict = checker.check(Runs.cleanHistory(), Runs.cleanObservations(Durability.SEMI_SYNC));

    assertThat(verdict.valid()).isTrue();
  }

  @Test
  void semiSyncLosingAnAcknowledgedWriteIsReported() {
    Observations obs = new Observations(Durability.SEMI_SYNC, Runs.epochs(), Runs.workflows(), List.of(),
        Runs.finalState(Set.of("v1", "v2", "v5", "v6", "v7")));

    Verdict verdict = checker.check(Runs.cleanHistory(), obs);

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).singleElement().asString()
        .contains("missing from final primary db2 in semi-sync mode", "\"v3\"", "gtid 0-1-3");
  }

  @Test
  void asyncLossExactlyCoveredByTheQuarantineIsValid() {
    Verdict verdict = checker.check(asyncLoss(),
        async(Set.of("a1", "b1"), List.of(new Quarantine("db1", 2, Set.of("0-1-2", "0-1-3")))));

    assertThat(verdict.valid()).as("%s", verdict.violations()).isTrue();
    assertThat(verdict.stats()).containsEntry("missingAcknowledged", 2).containsEntry("missingCoveredByReports", 2)
        .containsEntry("reportsMatchingNothing", List.of());
  }

  @Test
  void asyncLossCoveredByAReportedRangeOfTheEpochChangeIsValid() {
    List<EpochChange> epochs = List.of(Runs.epochs().get(0),
        new EpochChange(2, "db2", "failover: lossy", Script.nanos(3.0), Set.of("0-1-2..3")));
    Observations obs = new Observations(Durability.ASYNC, epochs, Runs.workflows(), List.of(),
        Runs.finalState(Set.of("a1", "b1")));

    assertThat(checker.check(asyncLoss(), obs).valid()).isTrue();
  }

  @Test
  void asyncLossOfAWriteNoReportCoversIsReported() {
    Verdict verdict = checker.check(asyncLoss(),
        async(Set.of("b1"), List.of(new Quarantine("db1", 2, Set.of("0-1-2", "0-1-3")))));

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).singleElement().asString()
        .contains("gtid 0-1-1 is in no quarantine or lost-GTID report", "\"a1\"");
  }

  @Test
  void aReportedSetThatMatchedNothingIsNotedInStats() {
    Verdict verdict = checker.check(asyncLoss(), async(Set.of("a1", "a2", "a3", "b1"),
        List.of(new Quarantine("db3", 2, Set.of("0-3-9")))));

    assertThat(verdict.valid()).isTrue();
    assertThat(verdict.stats()).containsEntry("reportsMatchingNothing", List.of("quarantine of db3 in epoch 2"));
  }

  @Test
  void aWriteReportedLostButPresentWasMergedBackAndIsReported() {
    Verdict verdict = checker.check(asyncLoss(), async(Set.of("a1", "a2", "a3", "b1"),
        List.of(new Quarantine("db1", 2, Set.of("0-1-3")))));

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).singleElement().asString().contains("merged back silently", "\"a3\"");
  }
}
