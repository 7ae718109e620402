package dev.deneb.protocol.config;

/** An invalid configuration file; the message names the file and the field. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }
}
