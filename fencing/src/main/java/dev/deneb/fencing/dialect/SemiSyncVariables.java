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
 * @param waitNoReplica the primary-side switch that keeps a commit waiting when no semi-sync
 *     replica is connected (ON is both servers' default; OFF would let every commit return at once
 *     while the replicas are detached)
 * @param waitingSessions the status counter of commits waiting for an acknowledgement now
 * @param replicas the status counter of connected semi-sync replicas
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
    String killConnectionTimeout,
    String waitNoReplica,
    String waitingSessions,
    String replicas) {

  /** MariaDB 10.3 and later: built into the server, master/slave names. */
  static final SemiSyncVariables MARIADB = new SemiSyncVariables(true,
      "rpl_semi_sync_master_enabled", "rpl_semi_sync_master_wait_point",
      "rpl_semi_sync_master_timeout", "rpl_semi_sync_slave_enabled",
      "Rpl_semi_sync_master_status", "Rpl_semi_sync_master_yes_tx", "Rpl_semi_sync_master_no_tx",
      "Rpl_semi_sync_slave_status", "rpl_semi_sync_slave_kill_conn_timeout",
      "rpl_semi_sync_master_wait_no_slave", "Rpl_semi_sync_master_wait_sessions",
      "Rpl_semi_sync_master_clients");

  /** MySQL 8.0.26 and later with the rpl_semi_sync_source / rpl_semi_sync_replica plugins. */
  static final SemiSyncVariables MYSQL = new SemiSyncVariables(false,
      "rpl_semi_sync_source_enabled", "rpl_semi_sync_source_wait_point",
      "rpl_semi_sync_source_timeout", "rpl_semi_sync_replica_enabled",
      "Rpl_semi_sync_source_status", "Rpl_semi_sync_source_yes_tx", "Rpl_semi_sync_source_no_tx",
      "Rpl_semi_sync_replica_status", "",
      "rpl_semi_sync_source_wait_no_replica", "Rpl_semi_sync_source_wait_sessions",
      "Rpl_semi_sync_source_clients");

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
        if (variables.containsKey(waitNoReplica)) {
          out.add(set(waitNoReplica, "ON"));
        }
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
   * The statement that switches the primary side off, which lets every commit waiting for an
   * acknowledgement return at once, provided the server executes it before {@code notAfter} by its
   * own clock (epoch milliseconds); later, it switches nothing. The condition is evaluated by the
   * server as it executes the statement, so a statement that sat in a frozen agent, a socket
   * buffer or a frozen server past its deadline releases nothing: only the lease's holder, while
   * its lease runs, may let commits return without a replica having them.
   */
  String releaseStatement(long notAfterEpochMillis) {
    if (notAfterEpochMillis <= 0) {
      throw new IllegalArgumentException("deadline must be positive epoch milliseconds, got " + notAfterEpochMillis);
    }
    // @@timestamp: when the server began executing this statement, as epoch seconds with
    // microseconds — no time zone on the way, so no daylight-saving hour in which a late release
    // could compare as early (as SYSDATE() against FROM_UNIXTIME(), both local times, could).
    return "SET GLOBAL " + primaryEnabled + " = IF(@@timestamp < "
        + (notAfterEpochMillis / 1000) + "." + String.format(Locale.ROOT, "%03d", notAfterEpochMillis % 1000)
        + ", 0, 1)";
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
        hasPrimary ? number(status, unacknowledged) : 0,
        hasPrimary ? optionalNumber(status, waitingSessions) : 0,
        hasPrimary ? optionalNumber(status, replicas) : 0);
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

  /** A counter older servers or tests may not list: absent reads as 0. */
  private static long optionalNumber(Map<String, String> rows, String name) {
    return rows.containsKey(name.toLowerCase(Locale.ROOT)) ? number(rows, name) : 0;
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
