package dev.deneb.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code --verbose}, accepted anywhere under the command that mixes it in. {@link FailureHandler}
 * reads it from the parse result, so commands need not pass it around.
 */
public final class VerboseOption {

  public static final String NAME = "--verbose";

  @Option(names = NAME, scope = ScopeType.INHERIT, description = "On failure, print the stack trace too.")
  boolean verbose;
}
