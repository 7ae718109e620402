package dev.deneb.jepsen.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.jepsen.Runs;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryJsonTest {

  @Test
  void roundTripsThroughJsonLines(@TempDir Path dir) throws IOException {
    History history = Runs.cleanHistory();
    Path file = dir.resolve("history.jsonl");

    history.write(file);
    History back = History.read(file);

    assertThat(back.ops()).isEqualTo(history.ops());
    assertThat(Files.readAllLines(file)).hasSize(history.ops().size());
  }

  @Test
  void writesJepsenShapeWithNemesisAsKeywordAndNoNulls() {
    History history = Runs.cleanHistory();
    List<String> lines = history.toJsonLines().lines().toList();

    assertThat(lines.get(0)).isEqualTo(
        "{\"index\":0,\"time\":500000000,\"type\":\"invoke\",\"process\":0,\"f\":\"write\",\"value\":\"v1\","
            + "\"node\":\"db1\",\"epoch\":1}");
    assertThat(lines.get(1)).contains("\"type\":\"ok\"", "\"gtid\":\"0-1-1\"");
    assertThat(lines).anyMatch(l -> l.contains("\"process\":\"nemesis\"") && l.contains("\"f\":\"start-partition\""));
    assertThat(lines).allMatch(l -> !l.contains("null"));
  }

  @Test
  void readsOtherJepsenKeysAndClojureKeywords() throws IOException {
    String jsonl = "{\"index\":0,\"time\":1,\"type\":\":invoke\",\"process\":\":nemesis\",\"f\":\"start-kill\",\"value\":\"db1\",\"clock\":7}\n"
        + "\n"
        + "{\"index\":1,\"time\":2,\"type\":\"info\",\"process\":\"nemesis\",\"f\":\"start-kill\",\"value\":\"db1\"}\n";

    History history = History.readFrom(new StringReader(jsonl), "test");

    assertThat(history.ops()).extracting(Op::process).containsOnly(ProcessId.NEMESIS);
    assertThat(history.faults()).containsExactly(new FaultInterval("kill", "db1", 1, null));
  }

  @Test
  void aMalformedLineIsNamedByNumber() {
    String jsonl = "{\"index\":0,\"time\":1,\"type\":\"invoke\",\"process\":0,\"f\":\"write\"}\n"
        + "{\"index\":1,\"time\":2,\"type\":\"maybe\",\"process\":0,\"f\":\"write\"}\n";

    assertThatThrownBy(() -> History.readFrom(new StringReader(jsonl), "h.jsonl"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("h.jsonl line 2")
        .hasMessageContaining("maybe");
  }

  @Test
  void aBadGtidIsRefusedNamingTheForm() {
    assertThatThrownBy(() -> new Op(OpType.OK, "write", ProcessId.client(0), "v", 1, 3, "db1", 1L, "uuid:5", null))
        .hasMessageContaining("op 3").hasMessageContaining("domain-server-seq");
  }

  @Test
  void aProcessRunsOneOpAtATime() {
    Op first = Op.invoke(0, 1, ProcessId.client(0), "write", "a");
    Op second = Op.invoke(1, 2, ProcessId.client(0), "write", "b");

    assertThatThrownBy(() -> new History(List.of(first, second)))
        .hasMessageContaining("process 0 invoked op 1 while its op 0 was still open");
  }

  @Test
  void aProcessRetiredByInfoCannotInvokeAgain() {
    Op invoke = Op.invoke(0, 1, ProcessId.client(4), "write", "a");
    Op info = invoke.completion(OpType.INFO, 1, 2, null, "connection reset");
    Op again = Op.invoke(2, 3, ProcessId.client(4), "write", "b");

    assertThatThrownBy(() -> new History(List.of(invoke, info, again)))
        .hasMessageContaining("process 4").hasMessageContaining("new process number");
  }

  @Test
  void pairsEachInvocationWithItsCompletionAndLeavesTheUnfinishedOpen() {
    History history = Runs.cleanHistory();

    List<OpPair> writes = history.clientPairs("write");

    assertThat(writes).extracting(p -> p.invoke().value()).containsExactly("v1", "v2", "v3", "v4", "v5", "v6", "v7");
    assertThat(writes).extracting(OpPair::outcome).containsExactly(
        OpType.OK, OpType.OK, OpType.OK, OpType.INFO, OpType.OK, OpType.OK, OpType.OK);
    assertThat(writes.get(0).latencyNanos()).isEqualTo(10_000_000);
    History unfinished = new History(List.of(Op.invoke(0, 1, ProcessId.client(0), "write", "a")));
    assertThat(unfinished.pairs().get(0).outcome()).isEqualTo(OpType.INFO);
  }

  @Test
  void faultsSpanFromStartInvocationToHealCompletion() {
    History history = Runs.cleanHistory();

    assertThat(history.faults()).containsExactly(new FaultInterval("partition", "db1", 2_000_000_000L, 5_001_000_000L));
    assertThat(history.lastHealNanos()).hasValue(5_001_000_000L);
  }
}
