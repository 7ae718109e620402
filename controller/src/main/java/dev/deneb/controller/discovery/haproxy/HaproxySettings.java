package dev.deneb.controller.discovery.haproxy;

import dev.deneb.protocol.config.YamlObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One HAProxy backend that must route a cluster's clients to its primary (DESIGN §3.7).
 *
 * <pre>
 * haproxy:
 *   - runtimeApi: "127.0.0.1:9999"      # or "unix:/run/haproxy/admin.sock"; needs "level admin"
 *     backend: mysql_primary
 *     cluster: shop
 *     servers: { db1: db1, db2: db2 }   # node id -> HAProxy server name; unlisted nodes use their id
 *     timeout: 2s                       # the whole publication, every command included
 * </pre>
 *
 * @param servers node id to HAProxy server name, for the nodes whose server is named differently
 */
public record HaproxySettings(RuntimeApiAddress runtimeApi, String backend, String cluster,
    Map<String, String> servers, Duration timeout) {

  /** The fields {@link #parse} reads; pass them to {@link YamlObject} so a typo is refused. */
  public static final Set<String> FIELDS = Set.of("runtimeApi", "backend", "cluster", "servers", "timeout");

  /**
   * Names that go into runtime API commands unquoted: the CLI splits on spaces and ';', so those
   * (and anything exotic) are refused when the file is read, not when a failover needs them.
   */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  public HaproxySettings {
    Objects.requireNonNull(runtimeApi, "runtimeApi");
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(cluster, "cluster");
    servers = Map.copyOf(servers);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
  }

  /** Reads one entry; errors name the field ({@code haproxy[0].servers.db1: ...}). */
  public static HaproxySettings parse(YamlObject o) {
    RuntimeApiAddress api = o.parsed("runtimeApi", null, RuntimeApiAddress::parse);
    if (api == null) throw new YamlObject.FieldError(o.where("runtimeApi"), "is required (host:port or unix:/path)");
    String backend = name(o, "backend", o.requiredString("backend"));
    String cluster = o.requiredString("cluster");
    Map<String, String> servers = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : o.stringMap("servers").entrySet()) {
      servers.put(e.getKey(), name(o, "servers." + e.getKey(), e.getValue()));
    }
    Duration timeout = o.duration("timeout", "2s");
    if (timeout.toMillis() < 100) throw new YamlObject.FieldError(o.where("timeout"), "must be at least 100ms");
    return new HaproxySettings(api, backend, cluster, servers, timeout);
  }

  /** The HAProxy server name of a node: the configured one, else the node id itself. */
  public String serverOf(String node) {
    return servers.getOrDefault(node, node);
  }

  private static String name(YamlObject o, String field, String value) {
    if (!NAME.matcher(value).matches()) {
      throw new YamlObject.FieldError(o.where(field), "'" + value + "' is not a usable HAProxy name (1-64 of A-Z a-z 0-9 _ . : -)");
    }
    return value;
  }
}
