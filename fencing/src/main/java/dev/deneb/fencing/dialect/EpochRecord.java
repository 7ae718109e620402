package dev.deneb.fencing.dialect;

import dev.deneb.fencing.gtid.GtidState;
import java.time.Instant;
import java.util.Objects;

/**
 * One row of the replicated {@code deneb.epoch_history} table: the first transaction a newly
 * promoted primary writes in its epoch (DESIGN §3.4 {@code PROMOTED}). Because it replicates, every
 * server's copy of the table tells which epochs its data has seen, and the GTID of that row marks
 * where each epoch began in the replication stream.
 *
 * @param epoch the epoch that names {@code primaryNode}
 * @param primaryNode the node id of the new primary
 * @param gtid the primary's executed GTIDs just before it started accepting writes
 * @param recordedAt when the promotion was recorded, stored in UTC
 */
public record EpochRecord(long epoch, String primaryNode, GtidState gtid, Instant recordedAt) {

  public EpochRecord {
    Objects.requireNonNull(primaryNode, "primaryNode");
    Objects.requireNonNull(gtid, "gtid");
    Objects.requireNonNull(recordedAt, "recordedAt");
    if (epoch < 1) {
      throw new IllegalArgumentException("epoch must be >= 1, got " + epoch);
    }
  }
}
