package dev.deneb.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception escaping a command into exit code 1 and one line on stderr: the message of a
 * {@link CliException} as is, else the exception type and message. The stack trace only with
 * {@code --verbose}: a person reading a terminal wants the reason, a bug report wants the trace.
 */
final class FailureHandler implements IExecutionExceptionHandler {

  static final int FAILURE = 1;

  @Override
  public int handleExecutionException(Exception failure, CommandLine command, ParseResult parsed) {
    PrintWriter err = command.getErr();
    if (verbose(parsed)) {
      failure.printStackTrace(err);
    }
    err.println("error: " + oneLine(failure));
    err.flush();
    return FAILURE;
  }

  static String oneLine(Throwable failure) {
    String message = failure.getMessage();
    String text;
    if (failure instanceof CliException) {
      text = message;
    } else if (message == null || message.isBlank()) {
      text = failure.getClass().getSimpleName();
    } else {
      text = failure.getClass().getSimpleName() + ": " + message;
    }
    return text.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /** Whether {@code --verbose} was given on the root or any subcommand of the parsed chain. */
  private static boolean verbose(ParseResult parsed) {
    for (ParseResult level = parsed; level != null; level = level.subcommand()) {
      if (level.hasMatchedOption(VerboseOption.NAME)) {
        return true;
      }
    }
    return false;
  }
}
