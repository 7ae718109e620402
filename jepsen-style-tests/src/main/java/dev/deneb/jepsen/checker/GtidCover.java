package dev.deneb.jepsen.checker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A set of MariaDB GTIDs as the controller reports them: entries {@code domain-server-seq}
 * ({@code 0-1-42}) or ranges {@code domain-server-lo..hi} ({@code 0-1-40..42}), separated by
 * commas, semicolons or whitespace. Remembers which entries matched something, so a reported set
 * that explains no missing write can be shown.
 */
final class GtidCover {
  private static final Pattern ENTRY = Pattern.compile("(\\d+)-(\\d+)-(\\d+)(?:\\.\\.(\\d+))?");

  private record Entry(String text, long domain, long server, long lo, long hi) {
    boolean covers(long d, long s, long n) {
      return d == domain && s == server && n >= lo && n <= hi;
    }
  }

  private final List<Entry> entries = new ArrayList<>();
  private final boolean[] used;

  /** @throws IllegalArgumentException naming the entry that is not a GTID or range */
  GtidCover(Collection<String> reported) {
    for (String text : reported) {
      for (String token : text.split("[,;\\s]+")) {
        if (token.isEmpty()) continue;
        Matcher m = ENTRY.matcher(token);
        if (!m.matches()) {
          throw new IllegalArgumentException("reported GTID '" + token + "' is neither d-s-n nor d-s-lo..hi");
        }
        long lo = Long.parseLong(m.group(3));
        long hi = m.group(4) == null ? lo : Long.parseLong(m.group(4));
        entries.add(new Entry(token, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), lo, hi));
      }
    }
    used = new boolean[entries.size()];
  }

  /** True when some entry includes {@code gtid} ({@code d-s-n}); marks those entries used. */
  boolean covers(String gtid) {
    if (gtid == null) return false;
    Matcher m = ENTRY.matcher(gtid);
    if (!m.matches() || m.group(4) != null) return false;
    long d = Long.parseLong(m.group(1));
    long s = Long.parseLong(m.group(2));
    long n = Long.parseLong(m.group(3));
    boolean found = false;
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).covers(d, s, n)) {
        used[i] = true;
        found = true;
      }
    }
    return found;
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /** True when no entry covered any GTID asked so far. */
  boolean matchedNothing() {
    for (boolean u : used) {
      if (u) return false;
    }
    return true;
  }
}
