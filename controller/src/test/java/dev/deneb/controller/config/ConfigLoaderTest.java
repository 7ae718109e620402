package dev.deneb.controller.config;

import dev.deneb.protocol.config.ConfigException;
import dev.deneb.protocol.config.HostPort;
import dev.deneb.protocol.config.Units;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  private static final String PEERS = """
      peers:
        - {id: c1, raft: 127.0.0.1:9001, http: 127.0.0.1:8001}
        - {id: c2, raft: 127.0.0.1:9002, http: 127.0.0.1:8002}
        - {id: c3, raft: 127.0.0.1:9003, http: 127.0.0.1:8003}
      """;

  @Test
  void minimalConfigGetsDocumentedDefaults() throws Exception {
    ControllerConfig c = ConfigLoader.parse("id: c2\ndataDir: /tmp/x\n" + PEERS, "t.yaml");
    assertThat(c.self().http()).isEqualTo(new HostPort("127.0.0.1", 8002));
    assertThat(c.group()).isEqualTo("deneb");
    assertThat(c.raft().electionTimeoutMin()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.raft().electionTimeoutMax()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.raft().requestTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.raft().snapshotThreshold()).isEqualTo(10_000);
    assertThat(c.raft().segmentSizeBytes()).isEqualTo(4 << 20);
    assertThat(c.api().maxRequestBytes()).isEqualTo(65_536);
    assertThat(c.api().maxWait()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void agentAddressIsRead() throws Exception {
    ControllerConfig c = ConfigLoader.parse("""
        id: c1
        dataDir: /tmp/x
        peers: [{id: c1, raft: "127.0.0.1:9001", http: "127.0.0.1:8001", agent: "127.0.0.1:7001"}]
        """, "t.yaml");
    assertThat(c.self().agent()).contains(new HostPort("127.0.0.1", 7001));
    assertThat(ConfigLoader.parse("id: c2\ndataDir: /tmp/x\n" + PEERS, "t").self().agent()).isEmpty();
  }

  @Test
  void theShippedExamplesAreValid() throws Exception {
    for (String id : java.util.List.of("c1", "c2", "c3")) {
      ControllerConfig c = ConfigLoader.load(java.nio.file.Path.of("..", "config", "controller-" + id + ".yaml"));
      assertThat(c.id()).isEqualTo(id);
      assertThat(c.peers()).hasSize(3).allSatisfy(p -> assertThat(p.agent()).isPresent());
    }
  }

  @Test
  void overridesAreRead() throws Exception {
    ControllerConfig c = ConfigLoader.parse("id: c1\ndataDir: /tmp/x\n" + PEERS + """
        raft: {electionTimeoutMin: 300ms, electionTimeoutMax: 600ms, snapshotThreshold: 20, segmentSize: 64KB}
        api: {maxRequestBytes: 1024, maxWait: 5s}
        """, "t.yaml");
    assertThat(c.raft().electionTimeoutMin()).isEqualTo(Duration.ofMillis(300));
    assertThat(c.raft().snapshotThreshold()).isEqualTo(20);
    assertThat(c.raft().segmentSizeBytes()).isEqualTo(64 << 10);
    assertThat(c.api().maxRequestBytes()).isEqualTo(1024);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "missing id            | dataDir: /x\\n" + "PEERS                                   | id: is required",
      "unknown top field     | id: c1\\ndataDir: /x\\ndatadir: /y\\nPEERS                  | datadir: is not a known field",
      "id not a peer         | id: c9\\ndataDir: /x\\nPEERS                                | id: 'c9' is not one of peers",
      "bad raft address      | id: c1\\ndataDir: /x\\npeers: [{id: c1, raft: nohost, http: 127.0.0.1:1}] | peers[0].raft: 'nohost' is not host:port",
      "bad port              | id: c1\\ndataDir: /x\\npeers: [{id: c1, raft: h:99999, http: h:1}] | peers[0].raft: 'h:99999' is not host:port: port 99999 is not between 1 and 65535",
      "even group            | id: c1\\ndataDir: /x\\npeers: [{id: c1, raft: h:1, http: h:2}, {id: c2, raft: h:3, http: h:4}] | peers: 2 members",
      "duplicate peer        | id: c1\\ndataDir: /x\\npeers: [{id: c1, raft: h:1, http: h:2}, {id: c1, raft: h:3, http: h:4}, {id: c3, raft: h:5, http: h:6}] | peers[1].id: 'c1' appears twice",
      "bad duration          | id: c1\\ndataDir: /x\\nPEERS\\nraft: {electionTimeoutMin: soon} | raft.electionTimeoutMin: 'soon' is not a duration",
      "max below min         | id: c1\\ndataDir: /x\\nPEERS\\nraft: {electionTimeoutMin: 2s, electionTimeoutMax: 1s} | raft.electionTimeoutMax: must be greater",
      "negative threshold    | id: c1\\ndataDir: /x\\nPEERS\\nraft: {snapshotThreshold: -5} | raft.snapshotThreshold: must be a positive whole number",
      "unknown nested field  | id: c1\\ndataDir: /x\\nPEERS\\napi: {maxBytes: 5} | api.maxBytes: is not a known field",
      "not yaml              | 'id: [unclosed'                                           | not valid YAML",
      "empty                 | ''                                                        | the file is empty",
      "agent port reused     | id: c1\\ndataDir: /x\\npeers: [{id: c1, raft: h:1, http: h:2, agent: h:2}] | peers[0].agent: h:2 is used twice",
      "renewal batching gone | id: c1\\ndataDir: /x\\nPEERS\\nagents: {renewalBatchWindow: 2s} | agents: is no longer used",
  })
  void invalidConfigNamesTheField(String name, String yaml, String expected) {
    String text = yaml.replace("\\n", "\n").replace("PEERS", PEERS);
    assertThatThrownBy(() -> ConfigLoader.parse(text, "bad.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config bad.yaml: ")
        .hasMessageContaining(expected);
  }

  @Test
  void unitsParse() {
    assertThat(Units.duration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Units.duration("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Units.bytes("4MB")).isEqualTo(4L << 20);
    assertThat(Units.bytes("100")).isEqualTo(100);
    assertThat(Units.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThatThrownBy(() -> Units.duration("3 days")).hasMessageContaining("not a duration");
  }
}
