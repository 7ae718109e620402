package dev.deneb.fencing.dialect;

import dev.deneb.fencing.gtid.GtidState;
import java.util.OptionalLong;

/**
 * A replica's replication state, the same record for both flavours.
 *
 * @param ioThread the receiver thread
 * @param sqlThreadRunning whether the applier (SQL) thread runs
 * @param lagSeconds {@code Seconds_Behind_Master}/{@code Seconds_Behind_Source}; empty when the
 *     server reports NULL (applier stopped, or the receiver has never connected), which means
 *     "unknown", not zero
 * @param sourceHost the configured source host
 * @param sourcePort the configured source port
 * @param received what the receiver has fetched into the relay log (MariaDB {@code Gtid_IO_Pos},
 *     MySQL {@code Retrieved_Gtid_Set}); may be empty right after CHANGE MASTER/SOURCE
 * @param executed what this server has executed, including its own local writes (MariaDB
 *     {@code @@gtid_current_pos}, MySQL {@code Executed_Gtid_Set} = {@code @@gtid_executed})
 * @param gtidPositioning whether the replica positions by GTID (MariaDB {@code Using_Gtid} is not
 *     {@code No}; MySQL {@code Auto_Position} = 1)
 * @param lastIoErrno the receiver's last error number, 0 for none
 * @param lastIoError the receiver's last error text, empty for none
 * @param lastSqlErrno the applier's last error number, 0 for none
 * @param lastSqlError the applier's last error text, empty for none
 */
public record ReplicationStatus(
    IoThreadState ioThread,
    boolean sqlThreadRunning,
    OptionalLong lagSeconds,
    String sourceHost,
    int sourcePort,
    GtidState received,
    GtidState executed,
    boolean gtidPositioning,
    int lastIoErrno,
    String lastIoError,
    int lastSqlErrno,
    String lastSqlError) {

  /** Both threads run and the receiver is connected. */
  public boolean replicating() {
    return ioThread == IoThreadState.RUNNING && sqlThreadRunning;
  }

  /**
   * Whether the applier has executed everything the receiver fetched: the state the controller
   * waits for before comparing candidates ("after each has applied its relay log", DESIGN §3.4).
   */
  public boolean relayLogApplied() {
    return executed.contains(received);
  }
}
