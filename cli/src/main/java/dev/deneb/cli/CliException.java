package dev.deneb.cli;

/**
 * A failure the user can act on, with a message that is one complete line ("no controller
 * reachable at ..."): printed as is, without a stack trace, and the command exits with 1.
 */
public class CliException extends RuntimeException {

  public CliException(String message) {
    super(message);
  }

  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
