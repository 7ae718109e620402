package dev.deneb.fencing.gtid;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of comparing candidates' GTID states for promotion (DESIGN §3.4: "the one with the
 * most transactions (GTID superset)").
 *
 * <p>Containment is only a partial order — two replicas can each have something the other lacks
 * (MySQL: different transactions; MariaDB: ahead in different domains, or diverged) — so there may
 * be no candidate that has everything. The caller must then refuse a safe promotion, or report the
 * exact gaps before a lossy one.
 *
 * @param dominant candidates that contain every candidate's state. More than one only when their
 *     states are equal (a tie the caller breaks by promotion rule, then lag). Empty when no
 *     candidate dominates.
 * @param undominated candidates whose state no other candidate strictly exceeds (the maximal
 *     ones): equal to {@code dominant} when one exists, otherwise the incomparable front to report
 * @param <K> how the caller names candidates (node ids)
 */
public record MostAdvanced<K>(List<K> dominant, List<K> undominated) {

  public MostAdvanced {
    dominant = List.copyOf(dominant);
    undominated = List.copyOf(undominated);
  }

  /**
   * Compares every candidate with every other. Order of the result lists follows the map's
   * iteration order, so pass a {@link java.util.LinkedHashMap} or sorted map for stable reports.
   *
   * @throws IllegalArgumentException when the candidates mix flavours
   */
  public static <K> MostAdvanced<K> among(Map<K, ? extends GtidState> candidates) {
    List<K> dominant = new ArrayList<>();
    List<K> undominated = new ArrayList<>();
    for (Map.Entry<K, ? extends GtidState> c : candidates.entrySet()) {
      boolean containsAll = true;
      boolean strictlyExceeded = false;
      for (Map.Entry<K, ? extends GtidState> other : candidates.entrySet()) {
        if (Objects.equals(other.getKey(), c.getKey())) {
          continue;
        }
        boolean mineHasTheirs = c.getValue().contains(other.getValue());
        containsAll &= mineHasTheirs;
        strictlyExceeded |= !mineHasTheirs && other.getValue().contains(c.getValue());
      }
      if (containsAll) {
        dominant.add(c.getKey());
      }
      if (!strictlyExceeded) {
        undominated.add(c.getKey());
      }
    }
    return new MostAdvanced<>(dominant, undominated);
  }

  /** True when at least one candidate has every transaction any candidate has. */
  public boolean hasDominant() {
    return !dominant.isEmpty();
  }
}
