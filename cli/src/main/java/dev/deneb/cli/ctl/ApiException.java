package dev.deneb.cli.ctl;

import dev.deneb.cli.CliException;

/**
 * The controller refused a request: its {@code error} sentence is the message (docs/api.md,
 * "Errors"), {@code code} the machine-readable reason such as {@code UNKNOWN_CLUSTER}.
 */
public final class ApiException extends CliException {

  private final int status;
  private final String code;

  public ApiException(int status, String code, String message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }
}
