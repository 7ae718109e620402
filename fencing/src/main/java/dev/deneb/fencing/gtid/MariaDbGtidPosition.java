package dev.deneb.fencing.gtid;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * An immutable MariaDB GTID position such as {@code 0-1-100,1-2-7}: at most one GTID per
 * replication domain, the newest one applied in that domain.
 *
 * <p><b>Positions are per-domain high-water marks, not sets.</b> MariaDB does not record which
 * individual transactions a server has; within a domain, a server that is at seq {@code n} is taken
 * to have every earlier transaction of the domain. So:
 *
 * <ul>
 *   <li>{@link #contains}: in every domain of the other position, this one is at a higher seq, or
 *       at the same seq <em>from the same server</em>. The same seq from two different server ids
 *       means two servers each committed their own transaction {@code n} (the histories diverged),
 *       so neither contains the other. A missing domain counts as "nothing yet".
 *   <li>{@link #missingFrom}: per domain, how far this position is ahead of the other (a
 *       {@link MariaDbGap}) — the seq numbers the other side would lose — not an exact list of
 *       transactions. A position cannot prove that the other side's history is a prefix of this
 *       one (a diverged history with a lower seq looks like plain lag); Deneb's epoch history is the
 *       evidence for that.
 *   <li>{@link #contains} is a partial order (reflexive, antisymmetric, transitive); candidates can
 *       be incomparable, see {@link MostAdvanced}.
 * </ul>
 */
public final class MariaDbGtidPosition implements GtidState {

  /** The empty position (a server that has executed nothing in any domain). */
  public static final MariaDbGtidPosition EMPTY = new MariaDbGtidPosition(new TreeMap<>());

  private final SortedMap<Long, MariaDbGtid> byDomain;

  private MariaDbGtidPosition(SortedMap<Long, MariaDbGtid> byDomain) {
    this.byDomain = Collections.unmodifiableSortedMap(byDomain);
  }

  /**
   * A position from GTIDs, at most one per domain.
   *
   * @throws IllegalArgumentException when a domain appears twice
   */
  public static MariaDbGtidPosition of(List<MariaDbGtid> gtids) {
    SortedMap<Long, MariaDbGtid> map = new TreeMap<>();
    for (MariaDbGtid g : gtids) {
      MariaDbGtid earlier = map.putIfAbsent(g.domain(), g);
      if (earlier != null) {
        throw new IllegalArgumentException(
            "bad MariaDB GTID position: domain " + g.domain() + " appears twice ('" + earlier
                + "' and '" + g + "'); a position holds one GTID per domain");
      }
    }
    return map.isEmpty() ? EMPTY : new MariaDbGtidPosition(map);
  }

  /**
   * Parses {@code domain-server-seq[,domain-server-seq]...} in any domain order, as in
   * {@code @@gtid_slave_pos}, {@code @@gtid_current_pos} or the {@code Gtid_IO_Pos} column.
   * Whitespace is ignored; the empty or blank string is {@link #EMPTY}.
   *
   * @throws IllegalArgumentException naming the bad token
   */
  public static MariaDbGtidPosition parse(String text) {
    Objects.requireNonNull(text, "GTID position text");
    String compact = text.replaceAll("\\s+", "");
    if (compact.isEmpty()) {
      return EMPTY;
    }
    List<MariaDbGtid> gtids = new ArrayList<>();
    for (String token : compact.split(",", -1)) {
      if (token.isEmpty()) {
        throw new IllegalArgumentException(
            "bad MariaDB GTID position '" + text + "': empty GTID between commas");
      }
      gtids.add(MariaDbGtid.parse(token));
    }
    return of(gtids);
  }

  /** The GTIDs by domain, ascending; unmodifiable. */
  public SortedMap<Long, MariaDbGtid> byDomain() {
    return byDomain;
  }

  @Override
  public GtidFlavor flavor() {
    return GtidFlavor.MARIADB;
  }

  @Override
  public boolean isEmpty() {
    return byDomain.isEmpty();
  }

  @Override
  public boolean contains(GtidState other) {
    MariaDbGtidPosition o = asMariaDb(other);
    for (MariaDbGtid theirs : o.byDomain.values()) {
      if (!covers(byDomain.get(theirs.domain()), theirs)) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code mine} (possibly absent) has reached {@code theirs} in their common domain. */
  private static boolean covers(MariaDbGtid mine, MariaDbGtid theirs) {
    if (mine == null) {
      return false;
    }
    return mine.seq() > theirs.seq()
        || (mine.seq() == theirs.seq() && mine.serverId() == theirs.serverId());
  }

  @Override
  public MariaDbGap missingFrom(GtidState other) {
    MariaDbGtidPosition o = asMariaDb(other);
    List<MariaDbGap.DomainGap> gaps = new ArrayList<>();
    for (MariaDbGtid mine : byDomain.values()) {
      MariaDbGtid theirs = o.byDomain.get(mine.domain());
      if (!covers(theirs, mine)) {
        gaps.add(new MariaDbGap.DomainGap(mine, theirs));
      }
    }
    return new MariaDbGap(gaps);
  }

  private static MariaDbGtidPosition asMariaDb(GtidState other) {
    if (other instanceof MariaDbGtidPosition p) {
      return p;
    }
    throw new IllegalArgumentException(
        "cannot compare a MariaDB GTID position with a " + other.flavor() + " GTID state '" + other.format() + "'");
  }

  /** Canonical text: GTIDs sorted by domain, joined by {@code ','}, as MariaDB prints its variables. */
  @Override
  public String format() {
    return byDomain.values().stream().map(MariaDbGtid::toString).collect(Collectors.joining(","));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MariaDbGtidPosition other && byDomain.equals(other.byDomain);
  }

  @Override
  public int hashCode() {
    return byDomain.hashCode();
  }

  @Override
  public String toString() {
    return format();
  }

  /** Convenience for tests and reports: the GTID of one domain, if any. */
  public Optional<MariaDbGtid> inDomain(long domain) {
    return Optional.ofNullable(byDomain.get(domain));
  }
}
