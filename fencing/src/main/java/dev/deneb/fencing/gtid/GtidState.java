package dev.deneb.fencing.gtid;

/**
 * What a server has executed (or received), in either flavour.
 *
 * <p>The two flavours answer the same questions with different precision: a MySQL GTID set names
 * every transaction, so {@link #missingFrom} is exact; a MariaDB position only keeps the newest
 * GTID of each replication domain, so {@link #missingFrom} says, per domain, how far one side is
 * ahead (see {@link MariaDbGtidPosition}). Comparing states of different flavours is a caller error
 * and throws {@link IllegalArgumentException}.
 */
public sealed interface GtidState permits MySqlGtidSet, MariaDbGtidPosition {

  /** The notation of this state. */
  GtidFlavor flavor();

  /** True when nothing has been executed (the empty set, or a position with no domain). */
  boolean isEmpty();

  /**
   * True when this state includes every transaction of {@code other}: for MySQL set inclusion, for
   * MariaDB per-domain dominance. Always consistent with {@code other.missingFrom(this).isEmpty()}.
   *
   * @throws IllegalArgumentException when {@code other} is of another flavour
   */
  boolean contains(GtidState other);

  /**
   * What this state has that {@code other} lacks: the transactions that would be lost if
   * {@code other}'s server replaced this one's. Empty exactly when {@code other.contains(this)}.
   *
   * @throws IllegalArgumentException when {@code other} is of another flavour
   */
  GtidGap missingFrom(GtidState other);

  /** The canonical text, which {@link #parse} reads back to an equal value. */
  String format();

  /**
   * Parses server output of the given flavour. Whitespace and line breaks anywhere are ignored
   * (MySQL prints a newline after each comma of a long set); the empty string is the empty state.
   *
   * @throws IllegalArgumentException naming the offending token when the text is malformed
   */
  static GtidState parse(GtidFlavor flavor, String text) {
    return switch (flavor) {
      case MYSQL -> MySqlGtidSet.parse(text);
      case MARIADB -> MariaDbGtidPosition.parse(text);
    };
  }

  /** The empty state of a flavour. */
  static GtidState empty(GtidFlavor flavor) {
    return switch (flavor) {
      case MYSQL -> MySqlGtidSet.EMPTY;
      case MARIADB -> MariaDbGtidPosition.EMPTY;
    };
  }
}
