package dev.deneb.state;

import dev.deneb.protocol.ClusterSettings;
import dev.deneb.protocol.Durability;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Validation and defaults for what commands carry. Shared by the state machine (the final word)
 * and by the API layer (to answer 400 before anything reaches the log).
 */
public final class Rules {
  private Rules() {}

  /** A cluster name is a DNS label, because {@code <cluster>.<zone>} is served by DNS. */
  private static final Pattern CLUSTER_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_.:-]{1,253}");

  public static final long DEFAULT_LEASE_TTL_MILLIS = 3_000;
  public static final long MIN_LEASE_TTL_MILLIS = 1_000;
  public static final long MAX_LEASE_TTL_MILLIS = 60_000;
  public static final long DEFAULT_COOLDOWN_MILLIS = 300_000;
  public static final int DEFAULT_HISTORY_LIMIT = 100;
  /** Semi-sync: a commit waits this long for a replica's ack, then the server falls back to async (docs/durability.md). */
  public static final long DEFAULT_SEMI_SYNC_TIMEOUT_MILLIS = 1_000;
  public static final int MAX_HISTORY_LIMIT = 10_000;

  public static Optional<String> checkClusterName(String name) {
    return CLUSTER_NAME.matcher(name).matches()
        ? Optional.empty()
        : Optional.of("cluster name '" + name + "' must be a DNS label: 1-63 of [a-z0-9-], not starting or ending with '-'");
  }

  public static Optional<String> checkNodeName(String name) {
    return NODE_NAME.matcher(name).matches()
        ? Optional.empty()
        : Optional.of("node name '" + name + "' must be 1-64 of [A-Za-z0-9_.-], starting with a letter or digit");
  }

  public static Optional<String> checkAddress(String host, int port) {
    if (!HOST.matcher(host).matches()) {
      return Optional.of("host '" + host + "' is not a host name or IP address");
    }
    if (port < 1 || port > 65535) {
      return Optional.of("port " + port + " is outside 1-65535");
    }
    return Optional.empty();
  }

  /** Fills unset fields with defaults; deterministic, so every member computes the same settings. */
  public static ClusterSettings withDefaults(ClusterSettings s) {
    ClusterSettings.Builder b = s.toBuilder();
    if (s.getDurability() == Durability.DURABILITY_UNSPECIFIED) b.setDurability(Durability.ASYNC);
    if (s.getLeaseTtlMillis() == 0) b.setLeaseTtlMillis(DEFAULT_LEASE_TTL_MILLIS);
    if (!s.hasAutoFailover()) b.setAutoFailover(true);
    if (s.getCooldownMillis() == 0) b.setCooldownMillis(DEFAULT_COOLDOWN_MILLIS);
    if (s.getHistoryLimit() == 0) b.setHistoryLimit(DEFAULT_HISTORY_LIMIT);
    if (s.getSemiSyncTimeoutMillis() == 0) b.setSemiSyncTimeoutMillis(DEFAULT_SEMI_SYNC_TIMEOUT_MILLIS);
    return b.build();
  }

  public static Optional<String> checkSettings(ClusterSettings raw) {
    ClusterSettings s = withDefaults(raw);
    if (s.getDurability() == Durability.UNRECOGNIZED) {
      return Optional.of("durability must be async or semi-sync");
    }
    if (s.getLeaseTtlMillis() < MIN_LEASE_TTL_MILLIS || s.getLeaseTtlMillis() > MAX_LEASE_TTL_MILLIS) {
      return Optional.of("lease TTL " + s.getLeaseTtlMillis() + " ms is outside "
          + MIN_LEASE_TTL_MILLIS + "-" + MAX_LEASE_TTL_MILLIS + " ms");
    }
    if (s.getSemiSyncTimeoutMillis() < 1 || s.getSemiSyncTimeoutMillis() > 3_600_000) {
      return Optional.of("semi-sync timeout " + s.getSemiSyncTimeoutMillis() + " ms is outside 1-3600000 ms");
    }
    if (s.getCooldownMillis() < 0) {
      return Optional.of("cooldown " + s.getCooldownMillis() + " ms is negative");
    }
    if (s.getHistoryLimit() < 1 || s.getHistoryLimit() > MAX_HISTORY_LIMIT) {
      return Optional.of("history limit " + s.getHistoryLimit() + " is outside 1-" + MAX_HISTORY_LIMIT);
    }
    for (String dns : s.getDnsNamesList()) {
      if (dns.isEmpty() || dns.length() > 253 || !HOST.matcher(dns).matches()) {
        return Optional.of("DNS name '" + dns + "' is not a valid name");
      }
    }
    return Optional.empty();
  }
}
