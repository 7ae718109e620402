/**
 * GTID algebra for both replication flavours, pure Java, immutable values with value equality.
 *
 * <ul>
 *   <li>{@link dev.deneb.fencing.gtid.MySqlGtidSet}: MySQL GTID <em>sets</em>
 *       ({@code uuid:1-5:7-9,uuid2:tag:1-3}) with exact interval arithmetic.
 *   <li>{@link dev.deneb.fencing.gtid.MariaDbGtidPosition}: MariaDB GTID <em>positions</em>
 *       ({@code 0-1-100,1-2-7}), one high-water mark per replication domain.
 *   <li>{@link dev.deneb.fencing.gtid.GtidState}: the sealed interface over both, so the agent and
 *       the controller can ask "does this node have everything that one has?" and "what exactly does
 *       it lack?" without knowing the flavour.
 * </ul>
 *
 * <p>Nothing here talks to a database; the dialects in {@code dev.deneb.fencing.dialect} read the
 * text from the server and parse it with these classes.
 */
package dev.deneb.fencing.gtid;
