package dev.deneb.jepsen.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.jepsen.Runs;
import dev.deneb.jepsen.Script;
import dev.deneb.jepsen.checker.Checkers;
import dev.deneb.jepsen.checker.Verdict;
import dev.deneb.jepsen.history.Durability;
import dev.deneb.jepsen.history.FinalState;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {

  @Test
  void writesASelfContainedPageWithVerdictsChartsAndFailovers(@TempDir Path dir) throws IOException {
    History history = Runs.cleanHistory();
    // A phantom row so the page shows a failing verdict with an escaped value.
    Observations obs = new Observations(Durability.SEMI_SYNC, Runs.epochs(), Runs.workflows(), List.of(),
        new FinalState("db2", 2, Set.of("v1", "v2", "v3", "v5", "v6", "v7", "<ghost>"), "db2", "db2",
            Script.nanos(5.5)));
    List<Verdict> verdicts = Checkers.all(history, obs, Duration.ofSeconds(10));
    Path file = dir.resolve("report.html");

    HtmlReport.write(file, history, obs, verdicts);

    String html = Files.readString(file);
    assertThat(html).startsWith("<!DOCTYPE html>").contains("INVALID");
    assertThat(html).contains("S1 single writer", "S4 no silent loss", "S5 one workflow", "convergence", "availability");
    assertThat(html).contains("row &quot;&lt;ghost&gt;&quot; on final primary db2 was never written");
    assertThat(html.split("<svg", -1)).hasSize(3);
    assertThat(html).contains("class='fault'", "partition db1");
    // failover row (times from the first op at 0.5 s): epoch 2 from db1 to db2 after the partition, 1700 ms client write gap
    assertThat(html).contains("<td>2</td><td>2.500s</td><td>db1</td><td>db2</td><td>failover: lease lapsed</td>"
        + "<td>partition db1</td><td>—</td><td>1700</td>");
    assertThat(html).doesNotContain("<script", "src=", "href=", "url(");
  }
}
