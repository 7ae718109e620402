/**
 * A run's record: client and nemesis {@link dev.deneb.jepsen.history.Op}s in Jepsen's JSON shape
 * (one object per line), recorded through {@link dev.deneb.jepsen.history.Recorder} so errors obey
 * the {@link dev.deneb.jepsen.history.Outcomes} rule, and the controller's facts about the run
 * ({@link dev.deneb.jepsen.history.Observations}).
 */
package dev.deneb.jepsen.history;
