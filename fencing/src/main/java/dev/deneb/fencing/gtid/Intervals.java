package dev.deneb.fencing.gtid;

import java.util.ArrayList;
import java.util.List;

/**
 * Set operations on normalised interval lists: sorted by start, disjoint and never adjacent (so
 * {@code 1-3:4-5} is always stored as {@code 1-5} and equal sets have equal lists).
 */
final class Intervals {

  private Intervals() {}

  /** Sorts, then merges overlapping and adjacent intervals. */
  static List<GtidInterval> normalise(List<GtidInterval> in) {
    List<GtidInterval> sorted = new ArrayList<>(in);
    sorted.sort(null);
    List<GtidInterval> out = new ArrayList<>();
    for (GtidInterval next : sorted) {
      int last = out.size() - 1;
      if (last >= 0 && next.start() <= out.get(last).end() + 1) {
        GtidInterval prev = out.get(last);
        out.set(last, new GtidInterval(prev.start(), Math.max(prev.end(), next.end())));
      } else {
        out.add(next);
      }
    }
    return List.copyOf(out);
  }

  static List<GtidInterval> union(List<GtidInterval> a, List<GtidInterval> b) {
    List<GtidInterval> all = new ArrayList<>(a);
    all.addAll(b);
    return normalise(all);
  }

  static List<GtidInterval> intersection(List<GtidInterval> a, List<GtidInterval> b) {
    List<GtidInterval> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < a.size() && j < b.size()) {
      GtidInterval x = a.get(i);
      GtidInterval y = b.get(j);
      long lo = Math.max(x.start(), y.start());
      long hi = Math.min(x.end(), y.end());
      if (lo <= hi) {
        out.add(new GtidInterval(lo, hi));
      }
      if (x.end() < y.end()) {
        i++;
      } else {
        j++;
      }
    }
    return List.copyOf(out);
  }

  /** The numbers of {@code a} that are not in {@code b}. */
  static List<GtidInterval> difference(List<GtidInterval> a, List<GtidInterval> b) {
    List<GtidInterval> out = new ArrayList<>();
    int j = 0;
    for (GtidInterval x : a) {
      long from = x.start();
      // Skip subtrahends that end before this interval starts.
      while (j < b.size() && b.get(j).end() < from) {
        j++;
      }
      int k = j;
      while (k < b.size() && b.get(k).start() <= x.end()) {
        GtidInterval cut = b.get(k);
        if (cut.start() > from) {
          out.add(new GtidInterval(from, cut.start() - 1));
        }
        from = Math.max(from, cut.end() + 1);
        if (from > x.end()) {
          break;
        }
        k++;
      }
      if (from <= x.end()) {
        out.add(new GtidInterval(from, x.end()));
      }
    }
    return List.copyOf(out);
  }
}
