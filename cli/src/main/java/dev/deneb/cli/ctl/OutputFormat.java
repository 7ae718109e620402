package dev.deneb.cli.ctl;

/** {@code -o table} for people, {@code -o json} (the server's JSON, pretty-printed) for scripts. */
public enum OutputFormat {
  TABLE,
  JSON
}
