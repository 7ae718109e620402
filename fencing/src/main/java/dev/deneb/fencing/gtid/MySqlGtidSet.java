package dev.deneb.fencing.gtid;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BinaryOperator;

/**
 * An immutable MySQL GTID set such as {@code 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9,
 * 8a94f357-aab4-11df-86ab-c80aa9429562:tag_a:1-3}, with exact set arithmetic.
 *
 * <p>Equal sets are equal values whatever text they were parsed from: intervals are merged
 * ({@code 1-3:4-5} is {@code 1-5}), sources are sorted, UUIDs and tags are lower case. The text
 * grammar is MySQL 8.4's: {@code uuid_set[,uuid_set]...}, each {@code uuid[:tag]:interval[:interval]...},
 * where a tag applies to the intervals after it until the next tag; see {@link #parse}.
 */
public final class MySqlGtidSet implements GtidState, GtidGap {

  /** The empty set (what {@code @@gtid_executed} shows on a fresh server). */
  public static final MySqlGtidSet EMPTY = new MySqlGtidSet(new TreeMap<>());

  private final SortedMap<Tsid, List<GtidInterval>> intervals;

  private MySqlGtidSet(SortedMap<Tsid, List<GtidInterval>> normalised) {
    this.intervals = Collections.unmodifiableSortedMap(normalised);
  }

  /** Builds a set from any intervals per source; they are sorted and merged. */
  public static MySqlGtidSet of(Map<Tsid, List<GtidInterval>> intervals) {
    SortedMap<Tsid, List<GtidInterval>> out = new TreeMap<>();
    intervals.forEach(
        (tsid, list) -> {
          List<GtidInterval> norm = Intervals.normalise(list);
          if (!norm.isEmpty()) {
            out.merge(tsid, norm, Intervals::union);
          }
        });
    return out.isEmpty() ? EMPTY : new MySqlGtidSet(out);
  }

  /** A set holding one interval of one untagged source, for tests and examples. */
  public static MySqlGtidSet of(String uuid, long start, long end) {
    return of(Map.of(Tsid.of(uuid), List.of(new GtidInterval(start, end))));
  }

  /**
   * Parses MySQL's text form. Tolerates whitespace and line breaks anywhere (SHOW REPLICA STATUS
   * prints {@code ",\n"} between sources), repeated sources, unsorted and overlapping intervals;
   * the empty or blank string is {@link #EMPTY}.
   *
   * @throws IllegalArgumentException naming the bad token, e.g. a UUID with a wrong digit count,
   *     an interval such as {@code 5-3} or {@code 0}, a tag with no interval after it
   */
  public static MySqlGtidSet parse(String text) {
    Objects.requireNonNull(text, "GTID set text");
    String compact = text.replaceAll("\\s+", "");
    if (compact.isEmpty()) {
      return EMPTY;
    }
    Map<Tsid, List<GtidInterval>> collected = new TreeMap<>();
    for (String uuidSet : compact.split(",", -1)) {
      parseUuidSet(text, uuidSet, collected);
    }
    return of(collected);
  }

  private static void parseUuidSet(
      String whole, String uuidSet, Map<Tsid, List<GtidInterval>> into) {
    if (uuidSet.isEmpty()) {
      throw bad(whole, "empty source between commas");
    }
    String[] tokens = uuidSet.split(":", -1);
    if (!Tsid.isUuid(tokens[0])) {
      throw bad(whole, "'" + tokens[0] + "' is not a server UUID (8-4-4-4-12 hex digits)");
    }
    if (tokens.length == 1) {
      throw bad(whole, "'" + uuidSet + "': a source UUID needs at least one interval after ':'");
    }
    String tag = "";
    boolean tagHasInterval = true;
    for (int i = 1; i < tokens.length; i++) {
      String token = tokens[i];
      if (token.isEmpty()) {
        throw bad(whole, "'" + uuidSet + "' has an empty token between ':'");
      }
      if (Character.isDigit(token.charAt(0))) {
        into.computeIfAbsent(new Tsid(tokens[0], tag), t -> new ArrayList<>())
            .add(parseInterval(whole, token));
        tagHasInterval = true;
      } else if (Tsid.isTag(token)) {
        if (!tagHasInterval) {
          throw bad(whole, "tag '" + tag + "' has no interval after it");
        }
        tag = token;
        tagHasInterval = false;
      } else {
        throw bad(whole, "'" + token + "' is neither an interval (N or N-M) nor a tag");
      }
    }
    if (!tagHasInterval) {
      throw bad(whole, "tag '" + tag + "' has no interval after it");
    }
  }

  private static GtidInterval parseInterval(String whole, String token) {
    int dash = token.indexOf('-');
    try {
      long start = Long.parseLong(dash < 0 ? token : token.substring(0, dash));
      long end = dash < 0 ? start : Long.parseLong(token.substring(dash + 1));
      return new GtidInterval(start, end);
    } catch (IllegalArgumentException e) { // NumberFormatException is one
      throw bad(whole, "'" + token + "' is not an interval N or N-M with 1 <= N <= M <= " + GtidInterval.MAX_GNO);
    }
  }

  private static IllegalArgumentException bad(String whole, String problem) {
    String shown = whole.length() > 200 ? whole.substring(0, 200) + "..." : whole;
    return new IllegalArgumentException("bad MySQL GTID set '" + shown + "': " + problem);
  }

  /** Intervals per source, sorted and merged; unmodifiable. */
  public SortedMap<Tsid, List<GtidInterval>> intervals() {
    return intervals;
  }

  @Override
  public GtidFlavor flavor() {
    return GtidFlavor.MYSQL;
  }

  @Override
  public boolean isEmpty() {
    return intervals.isEmpty();
  }

  /** Number of transactions in the set, saturating at {@link Long#MAX_VALUE}. */
  public long transactionCount() {
    long n = 0;
    for (List<GtidInterval> list : intervals.values()) {
      for (GtidInterval i : list) {
        n += i.length();
        if (n < 0) {
          return Long.MAX_VALUE;
        }
      }
    }
    return n;
  }

  public MySqlGtidSet union(MySqlGtidSet other) {
    return combine(other, Intervals::union, true);
  }

  public MySqlGtidSet intersection(MySqlGtidSet other) {
    return combine(other, Intervals::intersection, false);
  }

  /** The transactions of this set that {@code other} does not have. */
  public MySqlGtidSet difference(MySqlGtidSet other) {
    SortedMap<Tsid, List<GtidInterval>> out = new TreeMap<>();
    intervals.forEach(
        (tsid, mine) -> {
          List<GtidInterval> rest = Intervals.difference(mine, other.intervals.getOrDefault(tsid, List.of()));
          if (!rest.isEmpty()) {
            out.put(tsid, rest);
          }
        });
    return out.isEmpty() ? EMPTY : new MySqlGtidSet(out);
  }

  private MySqlGtidSet combine(
      MySqlGtidSet other, BinaryOperator<List<GtidInterval>> op, boolean keepOneSided) {
    SortedMap<Tsid, List<GtidInterval>> out = new TreeMap<>();
    TreeMap<Tsid, Boolean> keys = new TreeMap<>();
    intervals.keySet().forEach(k -> keys.put(k, true));
    other.intervals.keySet().forEach(k -> keys.put(k, true));
    for (Tsid tsid : keys.keySet()) {
      List<GtidInterval> a = intervals.get(tsid);
      List<GtidInterval> b = other.intervals.get(tsid);
      List<GtidInterval> r;
      if (a != null && b != null) {
        r = op.apply(a, b);
      } else {
        r = keepOneSided ? (a != null ? a : b) : List.of();
      }
      if (!r.isEmpty()) {
        out.put(tsid, r);
      }
    }
    return out.isEmpty() ? EMPTY : new MySqlGtidSet(out);
  }

  @Override
  public boolean contains(GtidState other) {
    return asMySql(other).difference(this).isEmpty();
  }

  @Override
  public MySqlGtidSet missingFrom(GtidState other) {
    return difference(asMySql(other));
  }

  private static MySqlGtidSet asMySql(GtidState other) {
    if (other instanceof MySqlGtidSet set) {
      return set;
    }
    throw new IllegalArgumentException(
        "cannot compare a MySQL GTID set with a " + other.flavor() + " GTID state '" + other.format() + "'");
  }

  /**
   * Canonical text: sources sorted by UUID, untagged intervals first and then each tag with its
   * intervals ({@code uuid:1-5:tag_a:1-3}), sources joined by {@code ','} without spaces.
   */
  @Override
  public String format() {
    StringBuilder sb = new StringBuilder();
    String currentUuid = null;
    for (Map.Entry<Tsid, List<GtidInterval>> e : intervals.entrySet()) {
      Tsid tsid = e.getKey();
      if (!tsid.uuid().equals(currentUuid)) {
        if (currentUuid != null) {
          sb.append(',');
        }
        sb.append(tsid.uuid());
        currentUuid = tsid.uuid();
      }
      if (!tsid.tag().isEmpty()) {
        sb.append(':').append(tsid.tag());
      }
      for (GtidInterval i : e.getValue()) {
        sb.append(':').append(i);
      }
    }
    return sb.toString();
  }

  @Override
  public String describe() {
    if (isEmpty()) {
      return "nothing";
    }
    long n = transactionCount();
    return n + (n == 1 ? " transaction: " : " transactions: ") + format();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MySqlGtidSet other && intervals.equals(other.intervals);
  }

  @Override
  public int hashCode() {
    return intervals.hashCode();
  }

  @Override
  public String toString() {
    return format();
  }
}
