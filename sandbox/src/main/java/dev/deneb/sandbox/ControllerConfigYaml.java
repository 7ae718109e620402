package dev.deneb.sandbox;

import java.time.Duration;
import java.util.List;

/** Renders one member's {@code controller.yaml} in the format of docs/controller-config.md. */
final class ControllerConfigYaml {

  private ControllerConfigYaml() {}

  static String render(ControllerMember self, List<ControllerMember> peers, ControllerGroupOptions options) {
    StringBuilder yaml = new StringBuilder()
        .append("# Written by the Deneb sandbox (ControllerGroupSandbox); see docs/controller-config.md.\n")
        .append("id: ").append(quote(self.id())).append('\n')
        .append("dataDir: ").append(quote(self.dataDir().toAbsolutePath().toString())).append('\n')
        .append("peers:\n");
    for (ControllerMember peer : peers) {
      yaml.append("  - id: ").append(quote(peer.id())).append('\n')
          .append("    raft: ").append(quote(peer.raftAddress())).append('\n')
          .append("    http: ").append(quote(peer.httpAddress())).append('\n')
          .append("    agent: ").append(quote(peer.agentAddress())).append('\n');
    }
    StringBuilder raft = new StringBuilder();
    duration(raft, "electionTimeoutMin", options.electionTimeoutMin());
    duration(raft, "electionTimeoutMax", options.electionTimeoutMax());
    duration(raft, "requestTimeout", options.requestTimeout());
    if (options.snapshotThreshold() != null) {
      raft.append("  snapshotThreshold: ").append(options.snapshotThreshold()).append('\n');
    }
    if (options.segmentSize() != null) {
      raft.append("  segmentSize: ").append(options.segmentSize()).append('\n');
    }
    if (!raft.isEmpty()) {
      yaml.append("raft:\n").append(raft);
    }
    if (self.dnsPort() > 0) {
      yaml.append("dns:\n  listen: ").append(quote(self.host() + ":" + self.dnsPort())).append('\n')
          .append("  zone: ").append(quote(ControllerMember.DNS_ZONE)).append('\n');
    }
    yaml.append(options.extraYaml());
    return yaml.toString();
  }

  /** Milliseconds always: exact for any Duration, and a unit the controller accepts. */
  private static void duration(StringBuilder raft, String key, Duration value) {
    if (value != null) {
      raft.append("  ").append(key).append(": ").append(value.toMillis()).append("ms\n");
    }
  }

  /** Single-quoted YAML scalar: a path with ':' or '#' stays one string. */
  private static String quote(String value) {
    return "'" + value.replace("'", "''") + "'";
  }
}
