package dev.deneb.fencing.gtid;

/**
 * A closed interval {@code [start, end]} of MySQL transaction numbers (GNOs).
 *
 * <p>MySQL numbers transactions from 1 to 2<sup>63</sup>-2; keeping {@code end} below
 * {@link Long#MAX_VALUE} lets the arithmetic test adjacency with {@code end + 1} without overflow.
 */
public record GtidInterval(long start, long end) implements Comparable<GtidInterval> {

  /** The largest transaction number MySQL assigns (2^63 - 2). */
  public static final long MAX_GNO = Long.MAX_VALUE - 1;

  public GtidInterval {
    if (start < 1 || end < start || end > MAX_GNO) {
      throw new IllegalArgumentException(
          "a GTID interval needs 1 <= start <= end <= " + MAX_GNO + ", got " + start + "-" + end);
    }
  }

  /** A single transaction number. */
  public static GtidInterval of(long gno) {
    return new GtidInterval(gno, gno);
  }

  /** Number of transactions in this interval. */
  public long length() {
    return end - start + 1;
  }

  @Override
  public int compareTo(GtidInterval o) {
    int c = Long.compare(start, o.start);
    return c != 0 ? c : Long.compare(end, o.end);
  }

  /** {@code N} for a single transaction, {@code N-M} otherwise, as MySQL prints it. */
  @Override
  public String toString() {
    return start == end ? Long.toString(start) : start + "-" + end;
  }
}
