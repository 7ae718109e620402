/**
 * Fencing: making a node unable to accept client writes. The only place that knows SQL (DESIGN §5).
 *
 * <ul>
 *   <li>{@code dev.deneb.fencing.gtid} — GTID algebra for MySQL sets and MariaDB positions.
 *   <li>{@code dev.deneb.fencing.dialect} — the SQL dialects (MariaDB 10.6+/11.x, MySQL 8.0.23+/8.4):
 *       read-only, sessions, replication, the local lease row and its in-database guard event, the
 *       replicated epoch history.
 *   <li>{@link dev.deneb.fencing.ReadOnlyFence} — the SQL rung of the fencing ladder (read-only,
 *       kill client sessions, verify, within fenceLead). The later rungs (SIGKILL of the server
 *       process, the STONITH hook) build on its {@link dev.deneb.fencing.FenceOutcome}.
 * </ul>
 */
package dev.deneb.fencing;
