package dev.deneb.sandbox;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a {@link DatabaseSandbox} runs its nodes.
 *
 * @param binary          the server to run; null means {@link MariaDbBinary#locate()} at start
 * @param connectTimeout  {@code connectTimeout} of the endpoints the sandbox hands out
 * @param socketTimeout   {@code socketTimeout} of those endpoints (a SIGSTOPped node makes every
 *                        statement fail after this long instead of hanging)
 * @param startTimeout    how long a node may take to accept connections, and the replicas to
 *                        replicate, at start and on restart
 * @param stopGrace       SIGTERM to SIGKILL delay when stopping a node (own supervisor only)
 * @param replicationRoute where each replica's receiver connects to reach its source
 * @param serverOptions   extra {@code [mariadbd]} options for every node, after the sandbox's own
 *                        (so they win); an empty value writes the bare option name
 */
public record DatabaseSandboxOptions(
    MariaDbBinary binary,
    Duration connectTimeout,
    Duration socketTimeout,
    Duration startTimeout,
    Duration stopGrace,
    ReplicationRoute replicationRoute,
    Map<String, String> serverOptions) {

  public DatabaseSandboxOptions {
    requirePositive("connectTimeout", connectTimeout);
    requirePositive("socketTimeout", socketTimeout);
    requirePositive("startTimeout", startTimeout);
    if (stopGrace == null || stopGrace.isNegative()) {
      throw new IllegalArgumentException("stopGrace: must be zero or positive, got " + stopGrace);
    }
    Objects.requireNonNull(replicationRoute, "replicationRoute");
    Map<String, String> copy = new LinkedHashMap<>();
    if (serverOptions != null) {
      serverOptions.forEach((k, v) -> copy.put(k, v == null ? "" : v));
    }
    for (Map.Entry<String, String> e : copy.entrySet()) {
      if (!e.getKey().matches("[a-z][a-z0-9_-]*")) {
        throw new IllegalArgumentException("serverOptions: '" + e.getKey() + "' is not a server option name");
      }
      if (e.getValue().contains("\n")) {
        throw new IllegalArgumentException("serverOptions: the value of " + e.getKey() + " contains a line break");
      }
    }
    serverOptions = Collections.unmodifiableMap(copy);
  }

  private static void requirePositive(String name, Duration d) {
    if (d == null || d.toMillis() < 1) {
      throw new IllegalArgumentException(name + ": must be at least 1 ms, got " + d);
    }
  }

  /**
   * The located binary; endpoints with a 2 s connect and 10 s socket timeout; a minute to start;
   * 10 s stop grace; replicas connect straight to their source.
   */
  public static DatabaseSandboxOptions defaults() {
    return new DatabaseSandboxOptions(null, Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(60),
        ProcessSupervisor.DEFAULT_STOP_GRACE, ReplicationRoute.DIRECT, Map.of());
  }

  public DatabaseSandboxOptions withBinary(MariaDbBinary b) {
    return new DatabaseSandboxOptions(b, connectTimeout, socketTimeout, startTimeout, stopGrace, replicationRoute, serverOptions);
  }

  public DatabaseSandboxOptions withTimeouts(Duration connect, Duration socket) {
    return new DatabaseSandboxOptions(binary, connect, socket, startTimeout, stopGrace, replicationRoute, serverOptions);
  }

  public DatabaseSandboxOptions withStartTimeout(Duration timeout) {
    return new DatabaseSandboxOptions(binary, connectTimeout, socketTimeout, timeout, stopGrace, replicationRoute, serverOptions);
  }

  public DatabaseSandboxOptions withStopGrace(Duration grace) {
    return new DatabaseSandboxOptions(binary, connectTimeout, socketTimeout, startTimeout, grace, replicationRoute, serverOptions);
  }

  public DatabaseSandboxOptions withReplicationRoute(ReplicationRoute route) {
    return new DatabaseSandboxOptions(binary, connectTimeout, socketTimeout, startTimeout, stopGrace, route, serverOptions);
  }

  /** Adds (or replaces) one {@code [mariadbd]} option, such as {@code slave_net_timeout=5}. */
  public DatabaseSandboxOptions withServerOption(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(serverOptions);
    more.put(name, value == null ? "" : value);
    return new DatabaseSandboxOptions(binary, connectTimeout, socketTimeout, startTimeout, stopGrace, replicationRoute, more);
  }
}
