package dev.deneb.cli.bench;

import dev.deneb.cli.VerboseOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code deneb bench}: measurements that report ratios and distributions, never pass/fail.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks of a local controller group (loopback only, bounded in time).",
    subcommands = {BenchApplyCommand.class, BenchApiCommand.class, BenchRenewalsCommand.class, BenchFailoverCommand.class})
public final class BenchCommand implements Runnable {

  @Mixin VerboseOption verbose;
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: apply, api or renewals");
  }
}
