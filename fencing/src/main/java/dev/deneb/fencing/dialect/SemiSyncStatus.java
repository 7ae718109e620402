package dev.deneb.fencing.dialect;

import java.time.Duration;

/**
 * A server's semi-synchronous replication settings and state ({@link SqlDialect#semiSyncStatus}).
 * On MySQL a side whose plugin is not installed reads as disabled and inactive, with an empty wait
 * point and a zero timeout when it is the primary side.
 *
 * @param primaryEnabled {@code rpl_semi_sync_master_enabled} / {@code rpl_semi_sync_source_enabled}
 * @param primaryActive {@code Rpl_semi_sync_master_status} / {@code Rpl_semi_sync_source_status}:
 *     enabled and not fallen back to asynchronous replication after a timeout without an
 *     acknowledgement
 * @param replicaEnabled {@code rpl_semi_sync_slave_enabled} / {@code rpl_semi_sync_replica_enabled}
 * @param replicaActive {@code Rpl_semi_sync_slave_status} / {@code Rpl_semi_sync_replica_status}:
 *     the running receiver thread acknowledges (it took the setting when it started)
 * @param waitPoint {@code AFTER_SYNC} or {@code AFTER_COMMIT} (the primary side's wait point)
 * @param timeout how long a commit waits for an acknowledgement before the primary falls back
 * @param acknowledgedTransactions commits acknowledged by a replica since the server started
 *     ({@code Rpl_semi_sync_master_yes_tx} / {@code Rpl_semi_sync_source_yes_tx})
 * @param asyncTransactions commits not acknowledged: committed during a fallback or after a
 *     timeout ({@code Rpl_semi_sync_master_no_tx} / {@code Rpl_semi_sync_source_no_tx})
 * @param waitingSessions commits waiting for an acknowledgement now
 *     ({@code Rpl_semi_sync_master_wait_sessions} / {@code Rpl_semi_sync_source_wait_sessions})
 * @param replicas connected semi-sync replicas ({@code Rpl_semi_sync_master_clients} /
 *     {@code Rpl_semi_sync_source_clients})
 */
public record SemiSyncStatus(
    boolean primaryEnabled,
    boolean primaryActive,
    boolean replicaEnabled,
    boolean replicaActive,
    String waitPoint,
    Duration timeout,
    long acknowledgedTransactions,
    long asyncTransactions,
    long waitingSessions,
    long replicas) {}
