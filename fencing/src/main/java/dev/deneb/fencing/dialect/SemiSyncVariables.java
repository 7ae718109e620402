package dev.deneb.fencing.dialect;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The names of one flavour's semi-sync variables, and the pure halves of
 * {@link SqlDialect#configureSemiSync} (which statements) and {@link SqlDialect#semiSyncStatus}
 * (reading {@code SHOW GLOBAL VARIABLES} / {@code SHOW GLOBAL STATUS} rows).
 *
 * @param builtIn whether both sides always exist (MariaDB 10.3+); false when each side comes with a
 *     plugin that may be absent (MySQL), in which case an absent side counts as off
 * @param killConnectionTimeout the replica-side setting that bounds the connection a stopping
 *     receiver opens to its source to kill its dump thread, in seconds; empty where the server has
 *     none (MySQL)
 */
record SemiSyncVariables(
    boolean builtIn,
    String primaryEnabled,
    String waitPoint,
    String timeoutMillis,
    String replicaEnabled,
    String primaryStatus,
    String acknowledged,
    String unacknowledged,
    String replicaStatus,
    String killConnectionTimeout) {

  /** MariaDB 10.3 and later: built into the server, master/slave names. */
  static final SemiSyncVariables MARIADB = new SemiSyncVariables(true,
      "rpl_semi_sync_master_enabled", "rpl_semi_sync_master_wait_point",
      "rpl_semi_sync_master_timeout", "rpl_semi_sync_slave_enabled",
      "Rpl_semi_sync_master_status", "Rpl_semi_sync_master_yes_tx", "Rpl_semi_sync_master_no_tx",
      "Rpl_semi_sync_slave_status", "rpl_semi_sync_slave_kill_conn_timeout");

  /** MySQL 8.0.26 and later with the rpl_semi_sync_source / rpl_semi_sync_replica plugins. */
  static final SemiSyncVariables MYSQL = new SemiSyncVariables(false,
      "rpl_semi_sync_source_enabled", "rpl_semi_sync_source_wait_point",
      "rpl_semi_sync_source_timeout", "rpl_semi_sync_replica_enabled",
      "Rpl_semi_sync_source_status", "Rpl_semi_sync_source_yes_tx", "Rpl_semi_sync_source_no_tx",
      "Rpl_semi_sync_replica_status", "");

  /** Both servers take the timeout as an unsigned integer of milliseconds; MySQL's upper bound. */
  static final long MAX_TIMEOUT_MILLIS = 4_294_967_295L;

  /** The filter for both SHOW statements; '_' escaped so that it matches itself only. */
  static final String LIKE = "'rpl\\_semi\\_sync\\_%'";

  static void checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.toMillis() < 1 || timeout.toMillis() > MAX_TIMEOUT_MILLIS) {
      throw new IllegalArgumentException("semi-sync timeout must be 1 ms to " + MAX_TIMEOUT_MILLIS
          + " ms, got " + timeout);
    }
  }

  /**
   * The {@code SET GLOBAL} statements that give {@code role}, given the variables the server has
   * (lower-case names). Settings come before the switch that turns the primary side on, so no
   * commit ever waits under the old wait point or timeout; a side that is absent is off already.
   */
  List<String> statements(SemiSyncRole role, Duration timeout, Map<String, String> variables) {
    checkTimeout(timeout);
    boolean hasPrimary = variables.containsKey(primaryEnabled);
    boolean hasReplica = variables.containsKey(replicaEnabled);
    List<String> out = new ArrayList<>();
    switch (role) {
      case PRIMARY -> {
        require(hasPrimary, primaryEnabled);
        if (hasReplica) {
          out.add(set(replicaEnabled, "OFF"));
        }
        out.add(set(waitPoint, "'AFTER_SYNC'"));
        out.add(set(timeoutMillis, Long.toString(timeout.toMillis())));
        out.add(set(primaryEnabled, "ON"));
      }
      case REPLICA -> {
        require(hasReplica, replicaEnabled);
        if (hasPrimary) {
          out.add(set(primaryEnabled, "OFF"));
        }
        out.add(set(replicaEnabled, "ON"));
      }
      case OFF -> {
        if (hasPrimary) {
          out.add(set(primaryEnabled, "OFF"));
        }
        if (hasReplica) {
          out.add(set(replicaEnabled, "OFF"));
        }
      }
    }
    return out;
  }

  /**
   * Reads the rows of {@code SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync_%'} and {@code SHOW GLOBAL
   * STATUS LIKE 'Rpl_semi_sync_%'}, each as name to value with lower-case names.
   *
   * @throws IllegalArgumentException naming the variable when one of a present side is missing or
   *     has a value this code does not understand
   */
  SemiSyncStatus parse(Map<String, String> variables, Map<String, String> status) {
    boolean hasPrimary = variables.containsKey(primaryEnabled);
    boolean hasReplica = variables.containsKey(replicaEnabled);
    require(hasPrimary || !builtIn, primaryEnabled);
    require(hasReplica || !builtIn, replicaEnabled);
    return new SemiSyncStatus(
        hasPrimary && onOff(variables, primaryEnabled),
        hasPrimary && onOff(status, primaryStatus),
        hasReplica && onOff(variables, replicaEnabled),
        hasReplica && onOff(status, replicaStatus),
        hasPrimary ? value(variables, waitPoint).toUpperCase(Locale.ROOT) : "",
        hasPrimary ? Duration.ofMillis(number(variables, timeoutMillis)) : Duration.ZERO,
        hasPrimary ? number(status, acknowledged) : 0,
        hasPrimary ? number(status, unacknowledged) : 0);
  }

  private static String set(String variable, String value) {
    return "SET GLOBAL " + variable + " = " + value;
  }

  private static void require(boolean present, String variable) {
    if (!present) {
      throw new IllegalStateException("the server has no variable " + variable
          + ": its semi-sync support is missing (MySQL: the plugin is not installed)");
    }
  }

  private static String value(Map<String, String> rows, String name) {
    String v = rows.get(name.toLowerCase(Locale.ROOT));
    if (v == null) {
      throw new IllegalArgumentException("semi-sync variable " + name + " is missing; the server has "
          + rows.keySet());
    }
    return v.trim();
  }

  private static boolean onOff(Map<String, String> rows, String name) {
    String v = value(rows, name);
    return switch (v.toUpperCase(Locale.ROOT)) {
      case "ON", "1" -> true;
      case "OFF", "0" -> false;
      default -> throw new IllegalArgumentException(
          "semi-sync variable " + name + " has '" + v + "', expected ON or OFF");
    };
  }

  private static long number(Map<String, String> rows, String name) {
    String v = value(rows, name);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "semi-sync variable " + name + " has '" + v + "', expected a number", e);
    }
  }
}
