package dev.deneb.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.jepsen.Runs;
import dev.deneb.jepsen.Script;
import dev.deneb.jepsen.history.Durability;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Op;
import dev.deneb.jepsen.history.OpType;
import dev.deneb.jepsen.history.ProcessId;
import java.util.List;
import org.junit.jupiter.api.Test;

class SingleWriterCheckerTest {
  private final SingleWriterChecker checker = new SingleWriterChecker();

  @Test
  void aCleanFailoverIsValid() {
    Verdict verdict = checker.check(Runs.cleanHistory(), Runs.cleanObservations(Durability.SEMI_SYNC));

    assertThat(verdict.valid()).as("%s", verdict.violations()).isTrue();
    assertThat(verdict.stats()).containsEntry("acknowledgedWrites", 6).containsEntry("epochsWithWrites", 2L);
  }

  @Test
  void overlappingWritesAcrossEpochsAreFine() {
    Script s = new Script();
    Op old = s.at(1.0).invoke(0, "a", "db1", 1);
    Op fresh = s.at(1.1).invoke(1, "b", "db2", 2);
    s.at(1.2).ok(fresh, "0-2-1");
    s.at(1.3).ok(old, "0-1-1");

    assertThat(checker.check(s.history(), Runs.cleanObservations(Durability.SEMI_SYNC)).valid()).isTrue();
  }

  @Test
  void anOldEpochWriteInvokedAfterANewEpochWriteCompletedIsReported() {
    Script s = new Script();
    s.write(1.0, 0, "a", "db1", 1, "0-1-1");
    s.write(3.2, 1, "b", "db2", 2, "0-2-2");
    s.write(3.5, 2, "late", "db1", 1, "0-1-2");

    Verdict verdict = checker.check(s.history(), Runs.cleanObservations(Durability.SEMI_SYNC));

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).singleElement().asString()
        .contains("epoch 1 was invoked (op 4) at 3.500s", "newer epoch 2 had completed at 3.210s",
            "\"late\"", "\"b\"", "op 5", "op 3");
    assertThat(verdict.stats()).containsEntry("orderViolations", 1);
  }

  @Test
  void aWriteOnANodeThatWasNotItsEpochsPrimaryIsReported() {
    Script s = new Script();
    s.write(1.0, 0, "a", "db1", 1, "0-1-1");
    s.write(1.5, 1, "stray", "db3", 1, "0-3-1");

    Verdict verdict = checker.check(s.history(), Runs.cleanObservations(Durability.SEMI_SYNC));

    assertThat(verdict.valid()).isFalse();
    assertThat(verdict.violations()).singleElement().asString()
        .contains("acknowledged by db3 in epoch 1, whose primary is db1", "\"stray\"");
  }

  @Test
  void anAcknowledgedWriteWithoutEpochCannotBeCheckedAndIsReported() {
    Op invoke = Op.invoke(0, 1_000_000_000L, ProcessId.client(0), "write", "a");
    History history = new History(List.of(invoke, invoke.completion(OpType.OK, 1, 1_100_000_000L, "0-1-1", null)));

    Verdict verdict = checker.check(history, Runs.cleanObservations(Durability.SEMI_SYNC));

    assertThat(verdict.violations()).singleElement().asString().contains("must record the node", "\"a\"");
  }
}
