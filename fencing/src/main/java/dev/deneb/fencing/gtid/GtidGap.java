package dev.deneb.fencing.gtid;

/**
 * The result of {@link GtidState#missingFrom}: what one server has and another lacks.
 *
 * <p>For MySQL this is itself a GTID set (exact). For MariaDB it is a list of per-domain gaps,
 * because positions do not name individual transactions.
 */
public sealed interface GtidGap permits MySqlGtidSet, MariaDbGap {

  /** True when nothing is missing. */
  boolean isEmpty();

  /** A one-line text for reports, logs and {@code explain}; "nothing" when empty. */
  String describe();
}
