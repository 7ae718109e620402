package dev.deneb.fencing.dialect;

/** The replication receiver (IO) thread, as {@code Slave_IO_Running}/{@code Replica_IO_Running} report it. */
public enum IoThreadState {
  /** "Yes": connected to the source and receiving. */
  RUNNING,
  /**
   * "Connecting": started, but not (or no longer) connected: source down, unreachable or refusing.
   * Also MariaDB's "Preparing": connected, but still registering with the source and requesting the
   * binlog, so not receiving yet (seen on 11.4.5 for a moment after the source restarted).
   */
  CONNECTING,
  /** "No": not started, or stopped by an error that needs an operator. */
  STOPPED;

  /**
   * Reads the column value.
   *
   * @throws IllegalArgumentException naming the column and value when it is none of
   *     Yes/Connecting/Preparing/No
   */
  static IoThreadState fromColumn(String column, String value) {
    return switch (value) {
      case "Yes" -> RUNNING;
      case "Connecting", "Preparing" -> CONNECTING;
      case "No" -> STOPPED;
      default -> throw new IllegalArgumentException(
          "column " + column + " has '" + value + "', expected Yes, Connecting, Preparing or No");
    };
  }
}
