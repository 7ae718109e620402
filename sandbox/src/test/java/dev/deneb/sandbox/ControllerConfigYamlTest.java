package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControllerConfigYamlTest {

  private final List<ControllerMember> peers = List.of(
      new ControllerMember("c1", 9001, 8001, 7001, Path.of("/tmp/g/c1")),
      new ControllerMember("c2", 9002, 8002, 7002, Path.of("/tmp/g/c2")),
      new ControllerMember("c3", 9003, 8003, 7003, Path.of("/tmp/g/c3")));

  @Test
  void defaultsLeaveTheRaftSectionOut() {
    String yaml = ControllerConfigYaml.render(peers.get(1), peers, ControllerGroupOptions.defaults());

    assertThat(yaml).isEqualTo("""
        # Written by the Deneb sandbox (ControllerGroupSandbox); see docs/controller-config.md.
        id: 'c2'
        dataDir: '/tmp/g/c2/data'
        peers:
          - id: 'c1'
            raft: '127.0.0.1:9001'
            http: '127.0.0.1:8001'
            agent: '127.0.0.1:7001'
          - id: 'c2'
            raft: '127.0.0.1:9002'
            http: '127.0.0.1:8002'
            agent: '127.0.0.1:7002'
          - id: 'c3'
            raft: '127.0.0.1:9003'
            http: '127.0.0.1:8003'
            agent: '127.0.0.1:7003'
        """);
  }

  @Test
  void raftOverridesAreWrittenInDocumentedUnits() {
    ControllerGroupOptions options = ControllerGroupOptions.defaults()
        .withElectionTimeout(Duration.ofMillis(300), Duration.ofMillis(600))
        .withRequestTimeout(Duration.ofSeconds(2))
        .withSnapshotThreshold(100)
        .withSegmentSize("64KB");

    String yaml = ControllerConfigYaml.render(peers.get(0), peers, options);

    assertThat(yaml).endsWith("""
        raft:
          electionTimeoutMin: 300ms
          electionTimeoutMax: 600ms
          requestTimeout: 2000ms
          snapshotThreshold: 100
          segmentSize: 64KB
        """);
  }

  @Test
  void quotesPathsSoYamlKeepsThemWhole() {
    ControllerMember odd = new ControllerMember("c1", 1, 2, 3, Path.of("/tmp/it's #1: here"));

    assertThat(ControllerConfigYaml.render(odd, List.of(odd), ControllerGroupOptions.defaults()))
        .contains("dataDir: '/tmp/it''s #1: here/data'");
  }

  @Test
  void rejectsASizeWithoutUnit() {
    assertThatThrownBy(() -> ControllerGroupOptions.defaults().withSegmentSize("4096"))
        .hasMessage("segmentSize: '4096' is not a size such as 64KB or 4MB");
  }
}
