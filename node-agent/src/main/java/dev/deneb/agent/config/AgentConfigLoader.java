package dev.deneb.agent.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.deneb.protocol.config.ConfigException;
import dev.deneb.protocol.config.HostPort;
import dev.deneb.protocol.config.YamlObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads agent.yaml; the first problem is reported with its field path. The database password comes
 * from a file ({@code passwordFile}) or an environment variable ({@code passwordEnv}), never from
 * the YAML itself, so configuration can be shared and logged without the secret.
 */
public final class AgentConfigLoader {
  private AgentConfigLoader() {}

  private static final Pattern CLUSTER = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  public static AgentConfig load(Path file, Map<String, String> env) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("config " + file + ": cannot be read: " + e.getMessage());
    }
    return parse(text, file.toString(), env, p -> {
      try {
        return Files.readString(p).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + p + ": " + e.getMessage());
      }
    });
  }

  public static AgentConfig parse(String yaml, String name, Map<String, String> env, Function<Path, String> readSecret)
      throws ConfigException {
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException("config " + name + ": not valid YAML: " + e.getOriginalMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) throw new ConfigException("config " + name + ": the file is empty");
    try {
      return build(new YamlObject(root, "", Set.of("cluster", "node", "controllers", "database", "stateDir", "lease",
          "reportInterval", "reportHeartbeat", "fencing", "replication", "peer")), env, readSecret);
    } catch (YamlObject.FieldError e) {
      throw new ConfigException("config " + name + ": " + e.getMessage());
    }
  }

  private static AgentConfig build(YamlObject top, Map<String, String> env, Function<Path, String> readSecret) {
    String cluster = top.requiredString("cluster");
    if (!CLUSTER.matcher(cluster).matches()) throw new YamlObject.FieldError("cluster", "'" + cluster + "' is not a DNS label");
    String node = top.requiredString("node");
    if (!NODE.matcher(node).matches()) throw new YamlObject.FieldError("node", "'" + node + "' must be 1-64 of [A-Za-z0-9_.-]");
    List<HostPort> controllers = new ArrayList<>();
    controllers.addAll(top.stringList("controllers").stream().map(s -> {
      try {
        return HostPort.parse(s);
      } catch (IllegalArgumentException e) {
        throw new YamlObject.FieldError("controllers", e.getMessage());
      }
    }).toList());
    if (controllers.isEmpty()) throw new YamlObject.FieldError("controllers", "must list the agent address of at least one controller member");

    YamlObject db = top.object("database", Set.of("address", "user", "passwordFile", "passwordEnv", "connectTimeout",
        "socketTimeout", "pidFile"));
    HostPort address = db.parsed("address", null, HostPort::parse);
    if (address == null) throw new YamlObject.FieldError(db.where("address"), "is required");
    String user = db.requiredString("user");
    String password = secret(db, env, readSecret);
    Duration connect = db.duration("connectTimeout", "1s");
    Duration socket = db.duration("socketTimeout", "2s");
    if (connect.toMillis() < 1 || socket.toMillis() < 1) {
      throw new YamlObject.FieldError(db.where("socketTimeout"), "timeouts must be at least 1ms (0 means wait forever)");
    }
    Path pidFile = db.parsed("pidFile", null, Path::of);
    if (pidFile != null && !pidFile.isAbsolute()) {
      throw new YamlObject.FieldError(db.where("pidFile"), "must be an absolute path (the server's pid_file), got '" + pidFile + "'");
    }

    YamlObject lease = top.object("lease", Set.of("renewInterval", "fenceLead", "drift"));
    Duration renew = lease.duration("renewInterval", "1s");
    Duration fenceLead = lease.duration("fenceLead", "500ms");
    double drift = lease.has("drift") ? lease.doubleValue("drift") : 0.01;
    if (drift < 0 || drift >= 0.5) throw new YamlObject.FieldError(lease.where("drift"), "must be in [0, 0.5)");
    if (renew.toMillis() < 10) throw new YamlObject.FieldError(lease.where("renewInterval"), "must be at least 10ms");

    Path stateDir = Path.of(top.requiredString("stateDir"));
    Duration report = top.duration("reportInterval", "500ms");
    if (report.toMillis() < 10) throw new YamlObject.FieldError("reportInterval", "must be at least 10ms");
    Duration heartbeat = top.duration("reportHeartbeat", "5s");
    if (heartbeat.compareTo(report) < 0 || heartbeat.toSeconds() > 60) {
      throw new YamlObject.FieldError("reportHeartbeat", "must be between reportInterval (" + report.toMillis() + "ms) and 60s");
    }
    return new AgentConfig(cluster, node, List.copyOf(controllers),
        new AgentConfig.Database(address, user, password, connect, socket, Optional.ofNullable(pidFile)), stateDir,
        new AgentConfig.Lease(renew, fenceLead, drift), report, heartbeat, fencing(top), replication(top, env, readSecret),
        peer(top));
  }

  /** The optional {@code peer:} section: where this agent takes failsafe promise requests. */
  private static Optional<AgentConfig.Peer> peer(YamlObject top) {
    if (!top.has("peer")) return Optional.empty();
    YamlObject p = top.object("peer", Set.of("listen", "advertise"));
    HostPort listen = p.parsed("listen", null, HostPort::parse);
    if (listen == null) throw new YamlObject.FieldError(p.where("listen"), "is required in the peer section (host:port)");
    HostPort advertise = p.has("advertise") ? p.parsed("advertise", null, HostPort::parse) : listen;
    if (advertise.host().equals("0.0.0.0") || advertise.host().equals("::")) {
      throw new YamlObject.FieldError(p.where(p.has("advertise") ? "advertise" : "listen"),
          "the other agents cannot dial " + advertise + ": give peer.advertise, the address they reach this agent at");
    }
    return Optional.of(new AgentConfig.Peer(listen, advertise));
  }

  /** The optional {@code replication:} section: the account replicas use to reach their source. */
  private static Optional<AgentConfig.Replication> replication(YamlObject top, Map<String, String> env,
      Function<Path, String> readSecret) {
    if (!top.has("replication")) return Optional.empty();
    YamlObject r = top.object("replication", Set.of("user", "passwordFile", "passwordEnv", "tls", "connectRetry"));
    String user = r.requiredString("user");
    String password = secret(r, env, readSecret);
    String tls = r.string("tls", "false");
    if (!tls.equals("true") && !tls.equals("false")) throw new YamlObject.FieldError(r.where("tls"), "must be true or false");
    Duration retry = r.duration("connectRetry", "1s");
    if (retry.toSeconds() < 1) throw new YamlObject.FieldError(r.where("connectRetry"), "must be at least 1s (whole seconds)");
    return Optional.of(new AgentConfig.Replication(user, password, Boolean.parseBoolean(tls), retry));
  }

  /** A password from {@code passwordFile} or {@code passwordEnv} (neither: empty). */
  private static String secret(YamlObject o, Map<String, String> env, Function<Path, String> readSecret) {
    if (o.has("passwordFile") && o.has("passwordEnv")) {
      throw new YamlObject.FieldError(o.where("passwordEnv"), "give passwordFile or passwordEnv, not both");
    } else if (o.has("passwordFile")) {
      try {
        return readSecret.apply(Path.of(o.string("passwordFile", null)));
      } catch (IllegalArgumentException e) {
        throw new YamlObject.FieldError(o.where("passwordFile"), e.getMessage());
      }
    } else if (o.has("passwordEnv")) {
      String var = o.string("passwordEnv", null);
      String value = env.get(var);
      if (value == null) throw new YamlObject.FieldError(o.where("passwordEnv"), "environment variable " + var + " is not set");
      return value;
    }
    return "";
  }

  /** The optional {@code fencing:} section: the STONITH hook and the escalation timeouts. */
  private static AgentConfig.Fencing fencing(YamlObject top) {
    YamlObject f = top.object("fencing", Set.of("stonithCommand", "stonithTimeout", "killTimeout"));
    List<String> command = f.stringList("stonithCommand");
    if (f.has("stonithCommand") && command.isEmpty()) {
      throw new YamlObject.FieldError(f.where("stonithCommand"), "must list the program and its arguments (leave the field out for no STONITH hook)");
    }
    if (!command.isEmpty()) {
      String program = command.get(0);
      if (program.isEmpty()) throw new YamlObject.FieldError(f.where("stonithCommand") + "[0]", "must name the program to run");
      if (program.contains("/")) {
        Path p;
        try {
          p = Path.of(program);
        } catch (IllegalArgumentException e) {
          throw new YamlObject.FieldError(f.where("stonithCommand") + "[0]", e.getMessage());
        }
        if (!p.isAbsolute()) {
          throw new YamlObject.FieldError(f.where("stonithCommand") + "[0]", "must be an absolute path or a program name on PATH, got '" + program + "'");
        }
        if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
          throw new YamlObject.FieldError(f.where("stonithCommand") + "[0]", program + " is not an executable file");
        }
      }
    }
    Duration stonithTimeout = f.duration("stonithTimeout", "10s");
    if (stonithTimeout.toMillis() < 100) throw new YamlObject.FieldError(f.where("stonithTimeout"), "must be at least 100ms");
    Duration killTimeout = f.duration("killTimeout", "2s");
    if (killTimeout.toMillis() < 100) throw new YamlObject.FieldError(f.where("killTimeout"), "must be at least 100ms");
    return new AgentConfig.Fencing(command, stonithTimeout, killTimeout);
  }
}
