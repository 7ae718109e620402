package dev.deneb.sandbox;

import java.net.URI;
import java.nio.file.Path;

/**
 * One member of a sandboxed controller group: its address (127.0.0.1, or its network namespace's
 * address when the group runs in a {@link dev.deneb.sandbox.netns.NetworkLab}), its ports, and its files, all under
 * {@code dir}: {@code controller.yaml}, {@code data/} and {@code controller.log}.
 */
public record ControllerMember(String id, String host, int raftPort, int httpPort, int agentPort, int dnsPort, Path dir) {

  public static final String HOST = "127.0.0.1";
  /** The zone of every sandbox member's built-in DNS server: {@code <cluster>.deneb.test.} */
  public static final String DNS_ZONE = "deneb.test.";

  /** A member on loopback. */
  public ControllerMember(String id, int raftPort, int httpPort, int agentPort, int dnsPort, Path dir) {
    this(id, HOST, raftPort, httpPort, agentPort, dnsPort, dir);
  }

  /** A member on loopback without a DNS port (0): its configuration has no {@code dns:} section. */
  public ControllerMember(String id, int raftPort, int httpPort, int agentPort, Path dir) {
    this(id, HOST, raftPort, httpPort, agentPort, 0, dir);
  }

  public String raftAddress() {
    return host + ":" + raftPort;
  }

  public String httpAddress() {
    return host + ":" + httpPort;
  }

  /** Where agents connect (gRPC). */
  public String agentAddress() {
    return host + ":" + agentPort;
  }

  public URI endpoint() {
    return URI.create("http://" + httpAddress());
  }

  public Path config() {
    return dir.resolve("controller.yaml");
  }

  public Path dataDir() {
    return dir.resolve("data");
  }

  public Path log() {
    return dir.resolve("controller.log");
  }
}
