package dev.deneb.fencing.dialect;

import java.util.Set;

/**
 * One row of the server's process list.
 *
 * @param id the connection id ({@code KILL CONNECTION id})
 * @param user the account's user name; {@code system user} for replication threads,
 *     {@code event_scheduler} for the event scheduler daemon
 * @param host the client's host:port, empty for server threads
 * @param db the default schema, or null
 * @param command what the thread does: {@code Query}, {@code Sleep}, {@code Binlog Dump}, ...
 * @param timeSeconds seconds in the current state
 * @param state the thread state text, or null
 */
public record SessionInfo(
    long id, String user, String host, String db, String command, long timeSeconds, String state) {

  /** Users that name server threads rather than clients. */
  private static final Set<String> SERVER_USERS = Set.of("system user", "event_scheduler");

  /**
   * Commands of replication and server threads. "Binlog Dump" (MariaDB, MySQL file positioning)
   * and "Binlog Dump GTID" (MySQL auto-position) are replicas reading this server's binary log:
   * they never write here, and keeping them lets replicas receive every transaction this server
   * committed before it was fenced, which is what makes an async failover lossless.
   */
  private static final Set<String> SERVER_COMMANDS =
      Set.of("Binlog Dump", "Binlog Dump GTID", "Daemon", "Slave_IO", "Slave_SQL", "Slave_worker",
          "Register Slave", "Killed");

  /**
   * Whether fencing should kill this session: a client connection that is not the caller's own
   * ({@code ownConnectionId}) and whose user is not in {@code exemptUsers}.
   */
  public boolean isClientSession(long ownConnectionId, Set<String> exemptUsers) {
    return id != ownConnectionId
        && !SERVER_USERS.contains(user)
        && !SERVER_COMMANDS.contains(command)
        && !exemptUsers.contains(user);
  }
}
