package dev.deneb.controller.api;

/** An error answer: HTTP status, a stable code, and a sentence a person can act on. */
public final class ApiException extends RuntimeException {
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

  static ApiException badRequest(String message) {
    return new ApiException(400, "BAD_REQUEST", message);
  }

  static ApiException notFound(String code, String message) {
    return new ApiException(404, code, message);
  }
}
