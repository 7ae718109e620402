package dev.deneb.jepsen.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deneb.jepsen.history.EpochChange;
import dev.deneb.jepsen.history.Quarantine;
import dev.deneb.jepsen.history.WorkflowRun;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ControllerFactsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ControllerFacts.Clock CLOCK = new ControllerFacts.Clock(1_000_000, 5_000_000_000L);

  @Test
  void gapDescriptionsBecomeRangesOfTheAheadServer() {
    // The exact wording of MariaDbGap.describe(), with the prefixes CandidateChooser and the policy add.
    assertThat(ControllerFacts.gtidRanges("db2: domain 0: at 0-1-150, other side at 0-2-140 (10 seq ahead); "
        + "old primary: domain 0: at 0-1-152, other side at 0-3-150 (2 seq ahead)"))
        .containsExactly("0-1-141..150", "0-1-151..152");
    assertThat(ControllerFacts.gtidRanges("domain 1: at 1-3-5, other side has nothing in this domain (5 seq ahead)"))
        .containsExactly("1-3-1..5");
    assertThat(ControllerFacts.gtidRanges("domain 0: at 0-1-9, other side at 0-2-9 (same seq from another server: diverged)"))
        .containsExactly("0-1-9..9");
    assertThat(ControllerFacts.gtidRanges("")).isEmpty();
  }

  @Test
  void historyEntriesMapToTheRunClockAndWorkflowsAreDerivedPerEpochChange() throws Exception {
    JsonNode history = JSON.readTree("{\"cluster\":\"orders\",\"history\":["
        + "{\"epoch\":1,\"primary\":\"db1\",\"reason\":\"bootstrap\",\"atMillis\":999000,\"lostGtids\":\"\"},"
        + "{\"epoch\":2,\"primary\":\"db2\",\"reason\":\"failover: LEASE_LAPSED ...\",\"atMillis\":1002000,"
        + "\"lostGtids\":\"db1: domain 0: at 0-1-12, other side at 0-2-10 (2 seq ahead)\"},"
        + "{\"epoch\":3,\"primary\":\"db2\",\"reason\":\"switchover aborted at FENCED: timeout\",\"atMillis\":1005000,"
        + "\"lostGtids\":\"\",\"quarantined\":\"db1 quarantined with extra GTIDs domain 0: at 0-1-12, other side at 0-2-10 (2 seq ahead)\"}]}");
    List<EpochChange> changes = ControllerFacts.epochChanges(history, CLOCK);
    assertThat(changes).extracting(EpochChange::atNanos).containsExactly(4_000_000_000L, 7_000_000_000L, 10_000_000_000L);
    assertThat(changes.get(1).lostGtids()).containsExactly("0-1-11..12");

    Map<Long, ControllerFacts.SeenWorkflow> seen = Map.of(2L,
        new ControllerFacts.SeenWorkflow("failover", 2, 1_001_500, 7_400_000_000L));
    List<WorkflowRun> runs = ControllerFacts.workflows(changes, seen, CLOCK);
    assertThat(runs).containsExactly(
        new WorkflowRun("failover", 1, 2, 6_500_000_000L, 7_400_000_000L, "completed"),
        new WorkflowRun("switchover", 2, 3, 10_000_000_000L, 10_000_000_000L, "aborted"));

    JsonNode cluster = JSON.readTree("{\"epoch\":3,\"nodes\":[{\"node\":\"db1\",\"state\":\"quarantined\","
        + "\"quarantinedGtids\":\"domain 0: at 0-1-12, other side at 0-2-10 (2 seq ahead)\"},"
        + "{\"node\":\"db2\",\"state\":\"online\"}]}");
    assertThat(ControllerFacts.quarantines(cluster, history)).containsExactly(new Quarantine("db1", 3, java.util.Set.of("0-1-11..12")));
  }
}
