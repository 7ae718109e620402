package dev.deneb.fencing.dialect;

/**
 * An account whose writes {@code read_only} does not stop.
 *
 * @param account {@code 'user'@'host'} as the server prints it
 * @param privilege the privilege that lets it write, e.g. {@code READ_ONLY ADMIN}
 */
public record ReadOnlyBypass(String account, String privilege) {

  /** A warning sentence for the agent's start-up log. */
  public String warning() {
    return account + " has " + privilege + ", so read-only fencing does not stop its writes;"
        + " application accounts must not have it";
  }
}
