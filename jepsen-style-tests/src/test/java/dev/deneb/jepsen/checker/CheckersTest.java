package dev.deneb.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.jepsen.Runs;
import dev.deneb.jepsen.history.Durability;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckersTest {

  @Test
  void aCleanRunPassesEveryChecker() {
    List<Verdict> verdicts = Checkers.all(Runs.cleanHistory(), Runs.cleanObservations(Durability.ASYNC),
        Duration.ofSeconds(10));

    assertThat(verdicts).extracting(Verdict::property).containsExactly(
        "S1 single writer", "S4 no silent loss", "no phantom rows", "S5 one workflow",
        "L3 controller faults begin no failover", "convergence", "availability");
    assertThat(verdicts).allSatisfy(v -> assertThat(v.valid()).as("%s: %s", v.property(), v.violations()).isTrue());
    assertThat(Checkers.allValid(verdicts)).isTrue();
  }
}
