package dev.deneb.fencing.dialect;

import java.time.Duration;
import java.util.Objects;

/**
 * Where a replica should replicate from.
 *
 * @param host the source's host name or address, as the replica reaches it
 * @param port the source's port
 * @param user the replication account on the source
 * @param password its password; never printed by {@link #toString()}
 * @param tls whether the replica must use TLS to the source. MariaDB 11.4 replicas default to
 *     TLS with certificate verification; a source started without TLS ({@code --skip-ssl}) then
 *     fails with "SSL is required, but the server does not support it", so say {@code false} for
 *     such sources.
 * @param connectRetry how long the receiver waits between reconnection attempts (whole seconds,
 *     at least one)
 */
public record ReplicationSource(
    String host, int port, String user, String password, boolean tls, Duration connectRetry) {

  public ReplicationSource {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(connectRetry, "connectRetry");
    if (host.isBlank()) {
      throw new IllegalArgumentException("replication source host is blank");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("replication source port must be 1..65535, got " + port);
    }
    if (connectRetry.toSeconds() < 1) {
      throw new IllegalArgumentException("connectRetry must be at least 1 s, got " + connectRetry);
    }
  }

  @Override
  public String toString() {
    return "ReplicationSource[" + user + "@" + host + ":" + port + ", tls=" + tls
        + ", connectRetry=" + connectRetry.toSeconds() + "s, password=***]";
  }
}
