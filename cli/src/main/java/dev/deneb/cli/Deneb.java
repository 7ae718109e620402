package dev.deneb.cli;

import dev.deneb.cli.bench.BenchCommand;
import dev.deneb.cli.ctl.CtlCommand;
import dev.deneb.cli.demo.DemoCommand;
import dev.deneb.cli.jepsen.JepsenCommand;
import dev.deneb.agent.AgentCommand;
import dev.deneb.protocol.config.HostPort;
import dev.deneb.controller.ControllerCommand;
import java.time.Duration;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code deneb} command. Exit codes: 0 success, 1 failure (one line on stderr), 2 usage error.
 */
@Command(name = "deneb", mixinStandardHelpOptions = true, versionProvider = Deneb.Version.class,
    description = "High-availability controller for MySQL and MariaDB clusters.",
    subcommands = {CtlCommand.class, DemoCommand.class, BenchCommand.class, JepsenCommand.class})
public final class Deneb implements Runnable {

  // Not inherited: the controller subcommand belongs to another module and must not gain options.
  @Option(names = VerboseOption.NAME, description = "On failure, print the stack trace too.")
  boolean verbose;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(newCommandLine().execute(args));
  }

  /** The whole command tree, configured as {@link #main} runs it (tests call this too). */
  public static CommandLine newCommandLine() {
    CommandLine commandLine = new CommandLine(new Deneb());
    // The controller module owns its command; it is wired here as is.
    commandLine.addSubcommand("controller", new ControllerCommand());
    commandLine.addSubcommand("agent", new AgentCommand());
    // Converters and enum handling apply to every subcommand present at this point.
    commandLine.registerConverter(Duration.class, converter(Durations::parse));
    commandLine.registerConverter(HostPort.class, converter(HostPort::parse));
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setExecutionExceptionHandler(new FailureHandler());
    return commandLine;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: controller, agent, ctl, demo, bench or jepsen");
  }

  /** A bad value becomes a picocli usage error (exit 2) naming the option and our reason. */
  private static <T> ITypeConverter<T> converter(Function<String, T> parse) {
    return text -> {
      try {
        return parse.apply(text);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    };
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Deneb.class.getPackage().getImplementationVersion();
      return new String[] {"deneb " + (version == null ? "(development build)" : version)};
    }
  }
}
