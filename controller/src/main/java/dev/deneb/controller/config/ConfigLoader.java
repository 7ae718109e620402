package dev.deneb.controller.config;

import dev.deneb.protocol.config.ConfigException;
import dev.deneb.protocol.config.HostPort;
import dev.deneb.protocol.config.Units;
import dev.deneb.protocol.config.YamlObject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.deneb.controller.config.ControllerConfig.Api;
import dev.deneb.controller.config.ControllerConfig.Peer;
import dev.deneb.controller.config.ControllerConfig.Raft;
import dev.deneb.controller.discovery.haproxy.HaproxySettings;
import dev.deneb.controller.discovery.hook.HookSettings;
import dev.deneb.controller.dns.DnsSettings;
import dev.deneb.controller.dns.Rfc2136Settings;
import dev.deneb.controller.failover.PolicySettings;
import dev.deneb.controller.failover.SqlFencer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and validates controller.yaml; the first problem found is reported with its field path. */
public final class ConfigLoader {
  private ConfigLoader() {}

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,31}");

  public static ControllerConfig load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("config " + file + ": cannot be read: " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  public static ControllerConfig parse(String yaml, String name) throws ConfigException {
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException("config " + name + ": not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new ConfigException("config " + name + ": the file is empty");
    }
    try {
      return build(new YamlObject(root, "", Set.of("id", "dataDir", "group", "peers", "raft", "api", "agents", "failover", "dns", "rfc2136", "haproxy", "hooks", "databases")));
    } catch (YamlObject.FieldError e) {
      throw new ConfigException("config " + name + ": " + e.getMessage());
    }
  }

  private static ControllerConfig build(YamlObject top) {
    String id = top.requiredString("id");
    checkId(top, "id", id);
    Path dataDir = Path.of(top.requiredString("dataDir"));
    String group = top.string("group", "deneb");

    List<Peer> peers = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<HostPort> addresses = new HashSet<>();
    for (YamlObject p : top.requiredList("peers", Set.of("id", "raft", "http", "agent"))) {
      String peerId = p.requiredString("id");
      checkId(p, "id", peerId);
      if (!ids.add(peerId)) throw new YamlObject.FieldError(p.where("id"), "'" + peerId + "' appears twice");
      HostPort raft = p.parsed("raft", null, HostPort::parse);
      HostPort http = p.parsed("http", null, HostPort::parse);
      if (raft == null) throw new YamlObject.FieldError(p.where("raft"), "is required");
      if (http == null) throw new YamlObject.FieldError(p.where("http"), "is required");
      if (!addresses.add(raft)) throw new YamlObject.FieldError(p.where("raft"), raft + " is used twice");
      if (!addresses.add(http)) throw new YamlObject.FieldError(p.where("http"), http + " is used twice");
      HostPort agent = p.parsed("agent", null, HostPort::parse);
      if (agent != null && !addresses.add(agent)) throw new YamlObject.FieldError(p.where("agent"), agent + " is used twice");
      peers.add(new Peer(peerId, raft, http, java.util.Optional.ofNullable(agent)));
    }
    if (peers.isEmpty()) throw new YamlObject.FieldError("peers", "must list at least one member");
    if (peers.size() % 2 == 0) {
      throw new YamlObject.FieldError("peers", peers.size() + " members cannot outvote a split; use 1, 3 or 5");
    }
    if (!ids.contains(id)) {
      throw new YamlObject.FieldError("id", "'" + id + "' is not one of peers[].id " + ids);
    }

    YamlObject r = top.object("raft", Set.of("electionTimeoutMin", "electionTimeoutMax", "requestTimeout",
        "snapshotThreshold", "segmentSize"));
    Duration min = r.duration("electionTimeoutMin", "500ms");
    Duration max = r.duration("electionTimeoutMax", "1s");
    if (min.toMillis() < 50) throw new YamlObject.FieldError(r.where("electionTimeoutMin"), "must be at least 50ms");
    if (max.compareTo(min) <= 0) {
      throw new YamlObject.FieldError(r.where("electionTimeoutMax"), "must be greater than electionTimeoutMin ("
          + Units.format(min) + ")");
    }
    Duration requestTimeout = r.duration("requestTimeout", "5s");
    if (requestTimeout.toMillis() < 100) throw new YamlObject.FieldError(r.where("requestTimeout"), "must be at least 100ms");
    long segment = r.bytes("segmentSize", "4MB");
    if (segment < 16 << 10) throw new YamlObject.FieldError(r.where("segmentSize"), "must be at least 16KB");
    Raft raft = new Raft(min, max, requestTimeout, r.positiveLong("snapshotThreshold", 10_000), segment);

    YamlObject a = top.object("api", Set.of("maxRequestBytes", "maxWait"));
    long maxRequest = a.positiveLong("maxRequestBytes", 65_536);
    if (maxRequest > 16 << 20) throw new YamlObject.FieldError(a.where("maxRequestBytes"), "must be at most 16MB");
    Duration maxWait = a.duration("maxWait", "60s");
    if (top.has("agents")) {
      // Renewals were batched into log entries before leases left the log (docs/lease.md).
      throw new YamlObject.FieldError("agents", "is no longer used: lease renewals do not go through the Raft log any"
          + " more (docs/lease.md); remove the section");
    }
    java.util.Optional<DnsSettings> dns = top.has("dns")
        ? java.util.Optional.of(DnsSettings.parse(top.object("dns", DnsSettings.FIELDS))) : java.util.Optional.empty();
    List<Rfc2136Settings> rfc2136 = top.has("rfc2136")
        ? top.requiredList("rfc2136", Rfc2136Settings.FIELDS).stream().map(Rfc2136Settings::parse).toList() : List.of();
    return new ControllerConfig(id, dataDir, group, List.copyOf(peers), raft, new Api((int) maxRequest, maxWait),
        failover(top), dns, rfc2136,
        top.has("haproxy") ? top.requiredList("haproxy", HaproxySettings.FIELDS).stream().map(HaproxySettings::parse).toList()
            : List.of(),
        top.has("hooks") ? HookSettings.parse(top.object("hooks", HookSettings.FIELDS)) : HookSettings.NONE,
        databases(top));
  }

  /**
   * The optional {@code databases:} section: an account the leader uses to fence a primary whose
   * agent cannot (DESIGN §3.3). The password comes from a file, never from this file.
   */
  private static java.util.Optional<SqlFencer.Access> databases(YamlObject top) {
    if (!top.has("databases")) return java.util.Optional.empty();
    YamlObject d = top.object("databases", Set.of("user", "passwordFile", "connectTimeout", "socketTimeout"));
    String user = d.requiredString("user");
    String password = "";
    if (d.has("passwordFile")) {
      Path file = Path.of(d.string("passwordFile", null));
      try {
        password = Files.readString(file).strip();
      } catch (IOException e) {
        throw new YamlObject.FieldError(d.where("passwordFile"), "cannot read " + file + ": " + e.getMessage());
      }
    }
    Duration connect = d.duration("connectTimeout", "500ms");
    Duration socket = d.duration("socketTimeout", "2s");
    if (connect.toMillis() < 1 || socket.toMillis() < 1) {
      throw new YamlObject.FieldError(d.where("socketTimeout"), "timeouts must be at least 1ms");
    }
    return java.util.Optional.of(new SqlFencer.Access(user, password, connect, socket));
  }

  /** The optional {@code failover:} section: the orchestrator's timing (docs/controller-config.md). */
  private static PolicySettings failover(YamlObject top) {
    PolicySettings d = PolicySettings.defaults();
    YamlObject f = top.object("failover", Set.of("downGrace", "reportStaleAfter", "leaseMargin", "drift", "candidateWait",
        "catchUpTimeout", "repointWait"));
    Duration downGrace = f.duration("downGrace", Units.format(d.downGrace()));
    Duration stale = f.duration("reportStaleAfter", Units.format(d.reportStaleAfter()));
    if (stale.toMillis() < 100) throw new YamlObject.FieldError(f.where("reportStaleAfter"), "must be at least 100ms");
    Duration margin = f.duration("leaseMargin", Units.format(d.leaseMargin()));
    double drift = f.has("drift") ? f.doubleValue("drift") : d.drift();
    if (drift < 0 || drift >= 0.5) throw new YamlObject.FieldError(f.where("drift"), "must be in [0, 0.5) and match the agents' lease.drift");
    return new PolicySettings(downGrace, stale, margin, drift, f.duration("candidateWait", Units.format(d.candidateWait())),
        f.duration("catchUpTimeout", Units.format(d.catchUpTimeout())), f.duration("repointWait", Units.format(d.repointWait())));
  }

  private static void checkId(YamlObject o, String field, String value) {
    if (!ID.matcher(value).matches()) {
      throw new YamlObject.FieldError(o.where(field), "'" + value + "' must be 1-32 of [A-Za-z0-9_-], starting with a letter or digit");
    }
  }
}
