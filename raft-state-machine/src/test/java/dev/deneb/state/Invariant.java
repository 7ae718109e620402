package dev.deneb.state;

/**
 * A property that must hold after every command of a run. {@link #check} throws
 * {@link AssertionError} saying what broke; the {@link Simulation} adds the command index and the
 * log around it. Implementations may keep state across steps (one instance per run).
 */
interface Invariant {

  void check(Step step);

  default String name() {
    return getClass().getSimpleName();
  }

  static void require(boolean condition, String what, Object... args) {
    if (!condition) throw new AssertionError(String.format(what, args));
  }
}
