package dev.deneb.jepsen.checker;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one checker concluded.
 *
 * @param property the property checked, e.g. {@code S1 single writer}
 * @param valid true when no violation was found
 * @param violations one sentence per violation, naming the ops involved
 * @param stats figures about the run (counts, times), in insertion order
 */
public record Verdict(String property, boolean valid, List<String> violations, Map<String, Object> stats) {

  public Verdict {
    violations = List.copyOf(violations);
    stats = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(stats));
  }

  /** Valid exactly when {@code violations} is empty. */
  public static Verdict of(String property, List<String> violations, Map<String, Object> stats) {
    return new Verdict(property, violations.isEmpty(), violations, stats);
  }
}
