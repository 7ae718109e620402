package dev.deneb.sandbox.netns;

import java.util.List;

/**
 * An {@code ip} or {@code nft} command that failed: the message names the command, its exit code and
 * what it printed, because "RTNETLINK answers: File exists" alone does not say which of thirty
 * commands hit it.
 */
public final class NetnsCommandException extends RuntimeException {
  private final List<String> command;
  private final int exitCode;
  private final String output;

  /**
   * @param stdin the script the command read ({@code ip -batch -}, {@code nft -f -}), or null: in the
   *     message, because their errors name only a line of it ("Command failed -:4")
   */
  NetnsCommandException(List<String> command, String stdin, int exitCode, String output, String why) {
    super(describe(command, stdin) + " " + why + (output.isBlank() ? "" : ": " + output.strip()));
    this.command = List.copyOf(command);
    this.exitCode = exitCode;
    this.output = output;
  }

  private static String describe(List<String> command, String stdin) {
    String text = "`" + String.join(" ", command) + "`";
    if (stdin == null || stdin.isBlank()) return text;
    return text + " (stdin: " + String.join(" | ", stdin.strip().lines().map(String::strip).toList()) + ")";
  }

  public List<String> command() {
    return command;
  }

  /** The exit code, or -1 when the command did not finish (timeout, could not start). */
  public int exitCode() {
    return exitCode;
  }

  /** stderr, then stdout, of the command. */
  public String output() {
    return output;
  }
}
