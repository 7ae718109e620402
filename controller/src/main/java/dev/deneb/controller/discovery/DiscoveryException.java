package dev.deneb.controller.discovery;

/** A publication that a backend did not confirm; {@link #refused()} when the backend refused it on purpose. */
public final class DiscoveryException extends Exception {
  private final boolean refused;

  public DiscoveryException(String message, boolean refused, Throwable cause) {
    super(message, cause);
    this.refused = refused;
  }

  public DiscoveryException(String message, boolean refused) {
    this(message, refused, null);
  }

  public boolean refused() {
    return refused;
  }
}
