package dev.deneb.jepsen.checker;

import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;

/**
 * Checks one property of a run. Pure: reads the history and the observations, returns a verdict,
 * and never throws for a violation (only for a caller error).
 */
public interface Checker {

  /** The property this checker decides, as it appears in verdicts. */
  String property();

  Verdict check(History history, Observations observations);
}
